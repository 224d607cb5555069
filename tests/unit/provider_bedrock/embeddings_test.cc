// Embeddings through InvokeModel: which models embed, Titan's one call per text and Cohere's
// batches of 96, their answers (both Cohere shapes, token counts from the body or the header), and
// what each family refuses.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gw/providers/bedrock/bedrock_codec.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "test_util.h"

namespace gw::bedrock {
namespace {

namespace json = boost::json;

using testing::deployment;

// The codec tests' provider, with an extra configured header that every request must carry.
config::Provider provider() {
  config::Provider p = testing::provider();
  p.headers = {{"x-extra", "1"}};
  return p;
}

EmbeddingRequest texts(std::vector<std::string> t) {
  EmbeddingRequest r;
  r.model = "embed";
  r.texts = std::move(t);
  r.input_estimate = r.texts.size();
  return r;
}

UpstreamResponse answer(std::string body, Headers headers = {}) {
  return UpstreamResponse{200, std::move(headers), std::move(body)};
}

TEST(BedrockEmbeddings, FamilyFromTheModelIdWithRegionPrefixesAndArns) {
  EXPECT_EQ(embed_family("amazon.titan-embed-text-v2:0"), EmbedFamily::TitanV2);
  EXPECT_EQ(embed_family("us.amazon.titan-embed-text-v2:0"), EmbedFamily::TitanV2);
  EXPECT_EQ(embed_family("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"),
            EmbedFamily::TitanV2);
  EXPECT_EQ(embed_family("amazon.titan-embed-text-v1"), EmbedFamily::Titan);
  EXPECT_EQ(embed_family("cohere.embed-english-v3"), EmbedFamily::Cohere);
  EXPECT_EQ(embed_family("eu.cohere.embed-multilingual-v3"), EmbedFamily::Cohere);
  EXPECT_EQ(embed_family("us.anthropic.claude-sonnet-4-20250514-v1:0"), EmbedFamily::None);
  EXPECT_EQ(embed_family("amazon.nova-pro-v1:0"), EmbedFamily::None);
  EXPECT_EQ(embed_family("cohere.command-r-v1:0"), EmbedFamily::None);

  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  EXPECT_TRUE(codec->can_embed(deployment("amazon.titan-embed-text-v2:0")));
  EXPECT_TRUE(codec->can_embed(deployment("cohere.embed-english-v3")));
  EXPECT_FALSE(codec->can_embed(deployment("us.anthropic.claude-sonnet-4-20250514-v1:0")));
}

TEST(BedrockEmbeddings, TitanTakesOneTextPerSignedInvokeModelCall) {
  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  EmbeddingRequest req = texts({"alpha", "beta \"quoted\"", "gamma"});
  req.dimensions = 512;
  auto wires = codec->encode_embed(req, deployment("us.amazon.titan-embed-text-v2:0"));
  ASSERT_TRUE(wires.has_value()) << wires.error().message;
  ASSERT_EQ(wires->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const UpstreamRequest& w = (*wires)[i];
    EXPECT_EQ(w.method, "POST");
    EXPECT_EQ(w.url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.titan-embed-text-v2%3A0/invoke");
    EXPECT_EQ(find_header(w.headers, "content-type"), "application/json");
    EXPECT_EQ(find_header(w.headers, "accept"), "application/json");
    EXPECT_EQ(find_header(w.headers, "x-extra"), "1");
    EXPECT_EQ(json::parse(w.body), (json::object{{"inputText", req.texts[i]}, {"dimensions", 512}, {"normalize", true}}));
  }
}

TEST(BedrockEmbeddings, TitanV1TakesOnlyTheText) {
  auto bodies = encode_embed_bodies(texts({"x"}), EmbedFamily::Titan);
  ASSERT_TRUE(bodies.has_value());
  EXPECT_EQ((*bodies)[0], R"({"inputText":"x"})");
}

TEST(BedrockEmbeddings, TitanAnswersSumTheirTokenCounts) {
  const EmbeddingRequest req = texts({"a", "b"});
  const UpstreamResponse answers[] = {
      answer(R"({"embedding":[0.5,-0.25,1e-7],"inputTextTokenCount":3})"),
      // No count in the body: the header's.
      answer(R"({"embedding":[0.1,0.2,0.3]})", {{"X-Amzn-Bedrock-Input-Token-Count", "4"}}),
  };
  auto r = decode_embed_answers(req, EmbedFamily::TitanV2, answers);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->vectors.size(), 2u);
  EXPECT_EQ(r->vectors[0], (std::vector<float>{0.5f, -0.25f, 1e-7f}));
  EXPECT_EQ(r->vectors[1], (std::vector<float>{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(r->usage.input, 7u);
  EXPECT_EQ(r->usage.output, 0u);
  EXPECT_TRUE(r->body.empty()) << "a translated answer, rendered by the dialect";

  const UpstreamResponse uncounted[] = {answer(R"({"embedding":[1]})"), answer(R"({"embedding":[1],"inputTextTokenCount":2})")};
  auto none = decode_embed_answers(req, EmbedFamily::Titan, uncounted);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->usage.input, 0u) << "one answer without a count: the gateway estimates instead";
}

TEST(BedrockEmbeddings, CohereBatchesOf96TextsAndReadsBothAnswerShapes) {
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) {
    many.push_back("t" + std::to_string(i));
  }
  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  auto wires = codec->encode_embed(texts(many), deployment("cohere.embed-english-v3"));
  ASSERT_TRUE(wires.has_value());
  ASSERT_EQ(wires->size(), 2u);
  const json::value first = json::parse((*wires)[0].body);
  EXPECT_EQ(first.at("texts").as_array().size(), 96u);
  EXPECT_EQ(first.at("input_type"), "search_document");
  EXPECT_EQ(first.at("embedding_types"), (json::array{"float"}));
  EXPECT_EQ(json::parse((*wires)[1].body).at("texts"), (json::array{"t96", "t97", "t98", "t99"}));
  EXPECT_EQ((*wires)[0].url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/cohere.embed-english-v3/invoke");

  const EmbeddingRequest req = texts({"a", "b", "c"});
  const UpstreamResponse answers[] = {
      answer(R"({"id":"x","embeddings":{"float":[[1,2],[3,4]]},"response_type":"embeddings_by_type","texts":["a","b"]})",
             {{"x-amzn-bedrock-input-token-count", "5"}}),
      answer(R"({"id":"y","embeddings":[[5,6]],"response_type":"embeddings_floats","texts":["c"]})",
             {{"x-amzn-bedrock-input-token-count", "2"}}),
  };
  auto r = decode_embed_answers(req, EmbedFamily::Cohere, answers);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->vectors, (std::vector<std::vector<float>>{{1, 2}, {3, 4}, {5, 6}}));
  EXPECT_EQ(r->usage.input, 7u);

  const UpstreamResponse no_header[] = {answer(R"({"embeddings":[[1],[2],[3]]})")};
  auto estimated = decode_embed_answers(req, EmbedFamily::Cohere, no_header);
  ASSERT_TRUE(estimated.has_value());
  EXPECT_EQ(estimated->usage.input, 0u);
}

TEST(BedrockEmbeddings, TokenIdsAndUnsupportedDimensionsAre400sNamingTheField) {
  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  EmbeddingRequest ids;
  ids.token_ids = true;
  for (const char* model : {"amazon.titan-embed-text-v2:0", "cohere.embed-english-v3"}) {
    auto r = codec->check_embed(ids, deployment(model));
    ASSERT_FALSE(r.has_value()) << model;
    EXPECT_EQ(r.error().code, Code::InvalidRequest);
    EXPECT_EQ(r.error().param, "input");
    EXPECT_FALSE(codec->encode_embed(ids, deployment(model)).has_value());
  }
  EmbeddingRequest dims = texts({"x"});
  dims.dimensions = 256;
  EXPECT_TRUE(codec->check_embed(dims, deployment("amazon.titan-embed-text-v2:0")).has_value());
  for (const char* model : {"cohere.embed-english-v3", "amazon.titan-embed-text-v1"}) {
    auto r = codec->check_embed(dims, deployment(model));
    ASSERT_FALSE(r.has_value()) << model;
    EXPECT_EQ(r.error().param, "dimensions");
  }
  dims.dimensions = 300;
  EXPECT_EQ(codec->check_embed(dims, deployment("amazon.titan-embed-text-v2:0")).error().param, "dimensions");
  EXPECT_EQ(codec->check_embed(texts({"x"}), deployment("amazon.nova-pro-v1:0")).error().code, Code::InvalidRequest);
}

TEST(BedrockEmbeddings, MalformedOrShortAnswersAreUpstreamErrorsOfTheProvider) {
  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  const EmbeddingRequest req = texts({"a", "b"});
  for (const char* bad : {"", "[]", R"({"embeddings":{"int8":[[1]]}})", R"({"embeddings":[[1],["x"]]})",
                          R"({"embeddings":[[1]]})", R"({"embeddings":[[1],[1e300]]})"}) {
    const UpstreamResponse one[] = {answer(bad)};
    auto r = codec->decode_embed(req, deployment("cohere.embed-english-v3"), one);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::UpstreamError) << bad;
    EXPECT_EQ(r.error().provider, "aws-east");
  }
  const UpstreamResponse titan[] = {answer(R"({"inputTextTokenCount":1})"), answer(R"({"embedding":[1]})")};
  EXPECT_FALSE(codec->decode_embed(req, deployment("amazon.titan-embed-text-v2:0"), titan).has_value());
}

TEST(BedrockEmbeddings, ThrottlingIsClassifiedAsForChat) {
  const config::Provider p = provider();  // the codec keeps a reference
  auto codec = make_bedrock_codec(p);
  const UpstreamResponse throttled{429, {{"x-amzn-errortype", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"}},
                                   R"({"message":"Too many requests, please wait before trying again."})"};
  const Error e = codec->classify(throttled);
  EXPECT_EQ(e.code, Code::RateLimited);
  EXPECT_TRUE(e.retryable);
}

}  // namespace
}  // namespace gw::bedrock
