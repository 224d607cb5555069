// The OpenAI and Azure OpenAI codecs' embeddings: addressing, the client's body passed through
// with the deployment's model, and the answer's usage and text.
#include <gtest/gtest.h>

#include "gw/providers/openai/openai_codec.h"

namespace gw {
namespace {

namespace json = boost::json;

config::Deployment dep(std::string model) {
  config::Deployment d;
  d.model = std::move(model);
  return d;
}

EmbeddingRequest request() {
  EmbeddingRequest r;
  r.model = "embed-alias";
  r.body = R"({"model":"embed-alias","input":["a","b"],"dimensions":256,"encoding_format":"base64","future_field":{"x":1.10000000000000001}})";
  return r;
}

TEST(OpenAIEmbeddings, PostsTheClientsBodyWithTheDeploymentsModelUnderBaseUrl) {
  config::Provider p;
  p.base_url = "http://127.0.0.1:8000/v1/";
  p.api_key = "sk-up";
  auto codec = make_openai_codec(p);
  ASSERT_TRUE(codec->can_embed(dep("text-embedding-3-large")));
  ASSERT_TRUE(codec->check_embed(request(), dep("text-embedding-3-large")).has_value());
  auto wires = codec->encode_embed(request(), dep("text-embedding-3-large"));
  ASSERT_TRUE(wires.has_value());
  ASSERT_EQ(wires->size(), 1u) << "the whole input in one call";
  const UpstreamRequest* r = &wires->front();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, "http://127.0.0.1:8000/v1/embeddings");
  EXPECT_EQ(find_header(r->headers, "authorization"), "Bearer sk-up");
  EXPECT_EQ(r->body,
            R"({"model":"text-embedding-3-large","input":["a","b"],"dimensions":256,"encoding_format":"base64","future_field":{"x":1.10000000000000001}})")
      << "every other byte passes through as the client wrote it";
}

TEST(AzureOpenAIEmbeddings, DeploymentInThePathApiVersionAndApiKey) {
  config::Provider p;
  p.type = config::ProviderType::AzureOpenAI;
  p.base_url = "https://res.openai.azure.com";
  p.api_key = "az-key";
  p.api_version = "2024-10-21";
  auto codec = make_azure_openai_codec(p);
  auto wires = codec->encode_embed(request(), dep("emb prod"));
  ASSERT_TRUE(wires.has_value());
  ASSERT_EQ(wires->size(), 1u);
  const UpstreamRequest* r = &wires->front();
  EXPECT_EQ(r->url, "https://res.openai.azure.com/openai/deployments/emb%20prod/embeddings?api-version=2024-10-21");
  EXPECT_EQ(find_header(r->headers, "api-key"), "az-key");
  EXPECT_EQ(find_header(r->headers, "authorization"), "");
}

TEST(OpenAIEmbeddings, AnswerKeepsItsTextAndReadsPromptTokens) {
  const std::string body =
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.014999999664723873,-1e-7]}],)"
      R"("model":"text-embedding-3-small","usage":{"prompt_tokens":7,"total_tokens":7}})";
  auto r = openai::decode_embeddings_body(body);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->usage.input, 7u);
  EXPECT_EQ(r->usage.output, 0u);

  auto total_only = openai::decode_embeddings_body(R"({"data":[],"usage":{"total_tokens":3}})");
  ASSERT_TRUE(total_only.has_value());
  EXPECT_EQ(total_only->usage.input, 3u);
  auto none = openai::decode_embeddings_body(R"({"data":[]})");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->usage.empty());
}

TEST(OpenAIEmbeddings, MalformedAnswersAreUpstreamErrors) {
  for (const char* bad : {"", "[]", R"({"object":"list")", R"({"object":"list"})", R"({"data":{}})",
                          R"({"data":[],"error":{"message":"x"}})"}) {
    auto r = openai::decode_embeddings_body(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::UpstreamError) << bad;
  }
}

TEST(ProviderCodecEmbeddings, OthersCannotEmbedByDefault) {
  struct ChatOnly final : ProviderCodec {
    Result<UpstreamRequest> encode(const ChatRequest&, const config::Deployment&) const override { return UpstreamRequest{}; }
    Result<ChatResponse> decode(const UpstreamResponse&) const override { return ChatResponse{}; }
    std::unique_ptr<StreamDecoder> stream_decoder() const override { return nullptr; }
    Error classify(const UpstreamResponse&) const override { return make_error(Code::UpstreamError, "x"); }
  } codec;
  EXPECT_FALSE(codec.can_embed(dep("m")));
  EXPECT_EQ(codec.check_embed(request(), dep("m")).error().code, Code::InvalidRequest);
  EXPECT_EQ(codec.encode_embed(request(), dep("m")).error().code, Code::InvalidRequest);
  const UpstreamResponse answer{200, {}, R"({"data":[]})"};
  EXPECT_EQ(codec.decode_embed(request(), dep("m"), std::span(&answer, 1)).error().code, Code::UpstreamError);
}

}  // namespace
}  // namespace gw
