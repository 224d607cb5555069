// Google's text embedding models on Vertex AI: which deployments embed, the :predict URL (base_url
// and region defaults as chat's), batches of 250 instances (one for gemini-embedding),
// outputDimensionality, the answers and their token counts, and refusals.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gw/providers/vertex/vertex_codec.h"
#include "gw/providers/vertex/vertex_embeddings.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;

using testing::deployment;
using testing::provider;

EmbeddingRequest texts(size_t n) {
  EmbeddingRequest r;
  r.model = "embed";
  for (size_t i = 0; i < n; ++i) {
    r.texts.push_back("text " + std::to_string(i));
  }
  return r;
}

std::string prediction(std::string values, int tokens) {
  return R"({"embeddings":{"values":)" + values + R"(,"statistics":{"token_count":)" + std::to_string(tokens) +
         R"(,"truncated":false}}})";
}

TEST(VertexEmbeddings, OnlyGooglesEmbeddingModelsEmbed) {
  const config::Provider p = provider("us-central1", "");
  auto codec = make_vertex_codec(p);
  for (const char* m : {"text-embedding-005", "text-multilingual-embedding-002", "gemini-embedding-001"}) {
    EXPECT_TRUE(codec->can_embed(deployment(m))) << m;
  }
  for (const char* m : {"claude-sonnet-4@20250514", "claude-opus-4-6", "gemini-2.5-pro"}) {
    EXPECT_FALSE(codec->can_embed(deployment(m))) << m;
    EXPECT_FALSE(codec->check_embed(texts(1), deployment(m)).has_value()) << m;
  }
}

TEST(VertexEmbeddings, PredictUrlUnderTheRegionalHostOrBaseUrl) {
  const config::Provider regional = provider("us-central1", "");
  auto codec = make_vertex_codec(regional);
  auto wires = codec->encode_embed(texts(2), deployment("text-embedding-005"));
  ASSERT_TRUE(wires.has_value()) << wires.error().message;
  ASSERT_EQ(wires->size(), 1u);
  EXPECT_EQ((*wires)[0].url,
            "https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1/"
            "publishers/google/models/text-embedding-005:predict");
  EXPECT_EQ(find_header((*wires)[0].headers, "content-type"), "application/json");
  EXPECT_EQ(find_header((*wires)[0].headers, "authorization"), "") << "the signer adds the bearer";

  const config::Provider local = provider("europe-west4", "http://127.0.0.1:9000/");
  EXPECT_EQ(google_predict_url(local, "gemini-embedding-001"),
            "http://127.0.0.1:9000/v1/projects/my-proj/locations/europe-west4/publishers/google/models/"
            "gemini-embedding-001:predict");
}

TEST(VertexEmbeddings, InstancesWithDimensionsAndNoAutoTruncate) {
  EmbeddingRequest req = texts(2);
  req.dimensions = 256;
  auto bodies = encode_embed_bodies(req, "text-embedding-005");
  ASSERT_TRUE(bodies.has_value());
  ASSERT_EQ(bodies->size(), 1u);
  EXPECT_EQ(json::parse((*bodies)[0]),
            json::parse(R"({"instances":[{"content":"text 0"},{"content":"text 1"}],)"
                        R"("parameters":{"autoTruncate":false,"outputDimensionality":256}})"));
  auto plain = encode_embed_bodies(texts(1), "text-embedding-005");
  EXPECT_EQ(json::parse((*plain)[0]).at("parameters"), (json::object{{"autoTruncate", false}}));
}

TEST(VertexEmbeddings, BatchesOf250AndOneAtATimeForGemini) {
  auto big = encode_embed_bodies(texts(501), "text-multilingual-embedding-002");
  ASSERT_TRUE(big.has_value());
  ASSERT_EQ(big->size(), 3u);
  EXPECT_EQ(json::parse((*big)[0]).at("instances").as_array().size(), 250u);
  EXPECT_EQ(json::parse((*big)[2]).at("instances"), (json::array{json::object{{"content", "text 500"}}}));
  auto gemini = encode_embed_bodies(texts(3), "gemini-embedding-001");
  ASSERT_TRUE(gemini.has_value());
  EXPECT_EQ(gemini->size(), 3u);
}

TEST(VertexEmbeddings, PredictionsInOrderWithSummedTokenCounts) {
  const EmbeddingRequest req = texts(3);
  const UpstreamResponse answers[] = {
      {200, {}, R"({"predictions":[)" + prediction("[0.5,-0.125]", 2) + "," + prediction("[1e-7,3]", 4) + "]}"},
      {200, {}, R"({"predictions":[)" + prediction("[0.1,0.2]", 1) + R"(],"metadata":{"billableCharacterCount":9}})"},
  };
  auto r = decode_embed_answers(req, answers);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->vectors, (std::vector<std::vector<float>>{{0.5f, -0.125f}, {1e-7f, 3.0f}, {0.1f, 0.2f}}));
  EXPECT_EQ(r->usage.input, 7u);

  const UpstreamResponse uncounted[] = {{200, {}, R"({"predictions":[{"embeddings":{"values":[1]}}]})"}};
  auto none = decode_embed_answers(texts(1), uncounted);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->usage.input, 0u);
}

TEST(VertexEmbeddings, MalformedOrShortAnswersAreUpstreamErrorsOfTheProvider) {
  const config::Provider p = provider("us-central1", "");
  auto codec = make_vertex_codec(p);
  for (std::string bad : {std::string(""), std::string("{}"), std::string(R"({"predictions":{}})"),
                          std::string(R"({"predictions":[{"embeddings":{}}]})"),
                          std::string(R"({"predictions":[{"embeddings":{"values":[true]}}]})"),
                          R"({"predictions":[)" + prediction("[1]", 1) + "," + prediction("[2]", 1) + "]}"}) {
    const UpstreamResponse one[] = {{200, {}, bad}};
    auto r = codec->decode_embed(texts(1), deployment("text-embedding-005"), one);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::UpstreamError) << bad;
    EXPECT_EQ(r.error().provider, "gcp");
  }
}

TEST(VertexEmbeddings, TokenIdsAre400sNamingInput) {
  const config::Provider p = provider("us-central1", "");
  auto codec = make_vertex_codec(p);
  EmbeddingRequest ids;
  ids.token_ids = true;
  auto r = codec->check_embed(ids, deployment("text-embedding-005"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::InvalidRequest);
  EXPECT_EQ(r.error().param, "input");
  EXPECT_FALSE(codec->encode_embed(ids, deployment("text-embedding-005")).has_value());
}

TEST(VertexEmbeddings, QuotaErrorsAreClassifiedAsForChat) {
  const config::Provider p = provider("us-central1", "");
  auto codec = make_vertex_codec(p);
  const UpstreamResponse quota{429, {}, R"([{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}])"};
  const Error e = codec->classify(quota);
  EXPECT_EQ(e.code, Code::RateLimited);
  EXPECT_TRUE(e.retryable);
}

}  // namespace
}  // namespace gw::vertex
