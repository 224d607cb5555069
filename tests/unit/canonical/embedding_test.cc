// Gathering a cloud's embedding answers (canonical/embedding.h): one vector per input, and usage
// only when every answer reported its tokens.
#include "gw/canonical/embedding.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(CloudEmbeddings, OneVectorPerInputAndTokensWhenEveryAnswerCounted) {
  CloudEmbeddings got;
  got.vectors = {{0.5f}, {0.25f}};
  got.add_tokens(3);
  got.add_tokens(4);
  auto r = std::move(got).finish(2, "Bedrock");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vectors.size(), 2u);
  EXPECT_EQ(r->usage.input, 7u);
  EXPECT_TRUE(r->body.empty());

  CloudEmbeddings partly;
  partly.vectors = {{0.5f}, {0.25f}};
  partly.add_tokens(3);
  partly.add_tokens(std::nullopt);  // an answer that said nothing: the handler bills its estimate
  r = std::move(partly).finish(2, "Vertex");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->usage.input, 0u);
}

TEST(CloudEmbeddings, AnotherNumberOfVectorsThanInputsIsTheUpstreamsError) {
  CloudEmbeddings got;
  got.vectors = {{0.5f}};
  auto r = std::move(got).finish(2, "Vertex");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::UpstreamError);
  EXPECT_EQ(r.error().message, "Vertex answered 1 embeddings for 2 inputs");
}

}  // namespace
}  // namespace gw
