// The Vertex codec: URLs and bodies as the Anthropic Vertex SDK sends them (the vector's
// rawPredict / streamRawPredict requests), responses and streams in the Anthropic format.
#include <gtest/gtest.h>

#include "gw/providers/vertex/vertex_codec.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;

using testing::deployment;

config::Provider provider(std::string region, std::string base_url) {
  config::Provider p = testing::provider(std::move(region), std::move(base_url));
  p.credentials_file = "/unused/sa.json";
  return p;
}

// What the vector's SDK call asked for: {max_tokens: 256, messages: [{role: user, content:
// "Hello"}]}.
ChatRequest hello(bool stream) {
  ChatRequest r;
  r.source = Dialect::AnthropicMessages;
  r.model = "claude-sonnet";
  Message m;
  m.role = Role::User;
  m.content.push_back(ContentBlock::make_text("Hello"));
  m.content_was_string = true;
  r.messages.push_back(std::move(m));
  r.params.max_tokens = 256;
  r.stream = stream;
  return r;
}

json::object sdk_request(const std::string& op) {
  return testing::read_json(testing::vector_path("bedrock_sdk_wire_requests.json"))
      .at("anthropic_vertex_sdk_0.14.0")
      .at(op)
      .as_object();
}

TEST(VertexCodec, RawPredictMatchesTheSdk) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  auto r = codec->encode(hello(false), deployment("claude-sonnet-4@20250514"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const json::object sdk = sdk_request("rawPredict");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, sdk.at("url").as_string());
  EXPECT_EQ(json::parse(r->body), json::parse(sdk.at("body").as_string()));
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  // Authorization comes from the signer; Vertex needs no anthropic-version header.
  EXPECT_EQ(find_header(r->headers, "authorization"), "");
  EXPECT_EQ(find_header(r->headers, "anthropic-version"), "");
}

TEST(VertexCodec, StreamRawPredictKeepsTheStreamFlag) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  auto r = codec->encode(hello(true), deployment("claude-sonnet-4@20250514"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const json::object sdk = sdk_request("streamRawPredict");
  EXPECT_EQ(r->url, sdk.at("url").as_string());
  const json::value body = json::parse(r->body);
  EXPECT_EQ(body, json::parse(sdk.at("body").as_string()));
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("anthropic_version"), "vertex-2023-10-16");
  EXPECT_FALSE(body.as_object().contains("model"));
}

TEST(VertexCodec, GlobalRegionUsesTheGlobalHostAndLocation) {
  const config::Provider p = provider("global", "https://aiplatform.googleapis.com/");
  EXPECT_EQ(predict_url(p, "claude-opus-4-1@20250805", false),
            "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/"
            "anthropic/models/claude-opus-4-1@20250805:rawPredict");
  EXPECT_EQ(predict_url(p, "claude-opus-4-6", true),
            "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/publishers/"
            "anthropic/models/claude-opus-4-6:streamRawPredict");
}

TEST(VertexCodec, BaseUrlOverrideAndDefaults) {
  // A loopback emulator (the e2e tests) replaces the host; the path stays Vertex's.
  EXPECT_EQ(
      predict_url(provider("us-east5", "http://127.0.0.1:4100"), "claude-sonnet-4@20250514", true),
      "http://127.0.0.1:4100/v1/projects/my-proj/locations/us-east5/publishers/anthropic/"
      "models/claude-sonnet-4@20250514:streamRawPredict");
  EXPECT_EQ(predict_url(provider("europe-west1", ""), "m", false),
            "https://europe-west1-aiplatform.googleapis.com/v1/projects/my-proj/locations/"
            "europe-west1/publishers/anthropic/models/m:rawPredict");
  EXPECT_EQ(default_base_url("global"), "https://aiplatform.googleapis.com");
  EXPECT_EQ(default_base_url("us"), "https://aiplatform.us.rep.googleapis.com");
  EXPECT_EQ(default_base_url("eu"), "https://aiplatform.eu.rep.googleapis.com");
  EXPECT_EQ(default_base_url("asia-southeast1"),
            "https://asia-southeast1-aiplatform.googleapis.com");
}

TEST(VertexCodec, ModelSegmentIsEncodedLikeTheSdk) {
  // '@' and ':' stay, ';' and '/' and spaces are percent-encoded.
  EXPECT_EQ(predict_url(provider("us-east5", "https://h"), "a;b/c d@1:x", false),
            "https://h/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
            "a%3Bb%2Fc%20d@1:x:rawPredict");
}

TEST(VertexCodec, AnthropicBetaIsAHeaderAndExtraHeadersAreSent) {
  config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  p.headers["x-goog-user-project"] = "billing-proj";
  auto codec = make_vertex_codec(p);
  ChatRequest req = hello(false);
  req.anthropic_beta = "interleaved-thinking-2025-05-14";
  auto r = codec->encode(req, deployment("claude-sonnet-4@20250514"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(find_header(r->headers, "anthropic-beta"), "interleaved-thinking-2025-05-14");
  EXPECT_EQ(find_header(r->headers, "x-goog-user-project"), "billing-proj");
  EXPECT_FALSE(json::parse(r->body).as_object().contains("anthropic_beta"));
}

// count-tokens:rawPredict (protocols.md 5.4) as the Anthropic Vertex SDK sends it: one URL for
// every model, the model kept in the body, no max_tokens.
TEST(VertexCodec, CountTokensMatchesTheSdk) {
  const config::Provider p = provider("global", "https://aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  const auto dep = deployment("claude-sonnet-4@20250514");
  ASSERT_TRUE(codec->can_count(dep));
  ChatRequest req = hello(false);
  req.params.max_tokens.reset();  // a count_tokens body has none
  auto r = codec->encode_count(req, dep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const json::object sdk = sdk_request("count_tokens_global");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, sdk.at("url").as_string());
  EXPECT_EQ(json::parse(r->body), json::parse(sdk.at("body").as_string()));
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  EXPECT_EQ(find_header(r->headers, "authorization"), "");  // the signer's job
  EXPECT_EQ(count_tokens_url(provider("us-east5", "http://127.0.0.1:4100/")),
            "http://127.0.0.1:4100/v1/projects/my-proj/locations/us-east5/publishers/anthropic/"
            "models/count-tokens:rawPredict");
}

TEST(VertexCodec, CountTokensBodyDropsWhatOnlyGenerationTakes) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  ChatRequest req = hello(true);
  req.params.temperature = 0.5;
  req.params.stop = {"END"};
  req.params.user = "u-1";
  req.anthropic_beta = "interleaved-thinking-2025-05-14";
  auto r = codec->encode_count(req, deployment("claude-sonnet-4@20250514"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const json::object body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("model"), "claude-sonnet-4@20250514");
  EXPECT_EQ(body.at("anthropic_version"), "vertex-2023-10-16");
  for (const char* k : {"max_tokens", "temperature", "stop_sequences", "stream", "metadata"}) {
    EXPECT_FALSE(body.contains(k)) << k;
  }
  EXPECT_EQ(find_header(r->headers, "anthropic-beta"), "interleaved-thinking-2025-05-14");
}

TEST(VertexCodec, DecodesCountTokensAnswers) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  auto n = codec->decode_count(UpstreamResponse{200, {}, R"({"input_tokens":2095})"});
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 2095u);
  auto bad = codec->decode_count(UpstreamResponse{200, {}, R"({"inputTokens":3})"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().provider, "gcp");
}

TEST(VertexCodec, DecodesARawPredictResponse) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  UpstreamResponse resp{200,
                        {{"content-type", "application/json"}},
                        testing::read_file(testing::fixture_path("response_tool_use.json"))};
  auto r = codec->decode(resp);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->id, "msg_vrtx_01Lsc9ZAGcKWbqV2Dff8rW5J");
  EXPECT_EQ(r->stop_reason, StopReason::ToolUse);
  ASSERT_EQ(r->content.size(), 2u);
  EXPECT_EQ(r->content[0].text, "Let me check the weather.");
  EXPECT_EQ(r->content[1].id, "toolu_vrtx_01Yb4GqbEhwaFqzNfHwq1MZ4");  // kept as is
  EXPECT_EQ(r->content[1].input, json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(r->usage.input, 412u);
  EXPECT_EQ(r->usage.output, 57u);

  auto bad = codec->decode(UpstreamResponse{200, {}, "{not json"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().provider, "gcp");
}

std::vector<StreamEvent> decode_stream(const ProviderCodec& codec,
                                       const std::string& bytes,
                                       size_t chunk) {
  auto dec = codec.stream_decoder();
  std::vector<StreamEvent> out;
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    dec->feed(std::string_view(bytes).substr(i, chunk), out);
  }
  dec->finish(out);
  return out;
}

TEST(VertexCodec, DecodesAStreamRawPredictStreamSplitAnywhere) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  const std::string sse = testing::read_file(testing::fixture_path("stream_text.sse"));
  for (size_t chunk : {size_t(1), size_t(7), sse.size()}) {
    auto events = decode_stream(*codec, sse, chunk);
    ASSERT_FALSE(events.empty());
    ASSERT_TRUE(std::holds_alternative<MessageStart>(events.front()));
    EXPECT_EQ(std::get<MessageStart>(events.front()).id, "msg_vrtx_01AbCdEf");
    std::string text;
    Usage usage;
    for (const auto& ev : events) {
      ASSERT_FALSE(std::holds_alternative<StreamError>(ev));
      if (const auto* d = std::get_if<TextDelta>(&ev)) {
        text += d->text;
      }
      if (const auto* u = std::get_if<UsageUpdate>(&ev)) {
        usage = u->usage;
      }
    }
    EXPECT_EQ(text, "Hello there.");
    EXPECT_EQ(usage.output, 6u);
    EXPECT_TRUE(std::holds_alternative<MessageStop>(events.back()));
  }
}

TEST(VertexCodec, ACutStreamEndsInAnErrorNamingTheProvider) {
  const config::Provider p = provider("us-east5", "https://us-east5-aiplatform.googleapis.com");
  auto codec = make_vertex_codec(p);
  std::string sse = testing::read_file(testing::fixture_path("stream_text.sse"));
  sse.resize(sse.find("event: content_block_stop"));
  auto events = decode_stream(*codec, sse, 64);
  ASSERT_FALSE(events.empty());
  const auto* err = std::get_if<StreamError>(&events.back());
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->error.provider, "gcp");
}

}  // namespace
}  // namespace gw::vertex
