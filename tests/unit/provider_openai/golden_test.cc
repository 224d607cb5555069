// Data-driven golden tests for the OpenAI codec, the other half of the fixtures described in
// tests/unit/dialect_openai/golden_test.cc:
//   dialects/openai_chat/*.json   canonical -> upstream request (url and body)
//   providers/openai/*.json       upstream body -> canonical; upstream SSE -> canonical events;
//                                 upstream error -> Error
// GW_UPDATE_GOLDEN=1 rewrites the canonical middles this binary owns (review the diff).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "canonical_json.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace gw::testing;

config::Provider house() {
  config::Provider p;
  p.name = "house";
  p.type = config::ProviderType::OpenAI;
  p.base_url = "http://upstream.test/v1/";
  p.api_key = "sk-test";
  return p;
}

std::vector<StreamEvent> decode_stream(std::string_view bytes, size_t split) {
  auto dec = openai::make_chat_stream_decoder();
  std::vector<StreamEvent> out;
  for (size_t i = 0; i < bytes.size(); i += split) {
    dec->feed(bytes.substr(i, split), out);
  }
  dec->finish(out);
  return out;
}

TEST(OpenAICodecGolden, CanonicalRequestsEncodeForTheUpstream) {
  const config::Provider p = house();
  auto codec = make_openai_codec(p);
  config::Deployment dep;
  dep.provider = "house";
  dep.model = "up-model";
  int n = 0;
  for (const auto& path : fixtures("dialects/openai_chat")) {
    json::object fx = load(path);
    if (!fx.contains("upstream")) {
      continue;
    }
    ++n;
    ASSERT_TRUE(fx.contains("canonical")) << path << ": run dialect_openai_test with GW_UPDATE_GOLDEN=1";
    auto r = codec->encode(request_from(fx.at("canonical").as_object()), dep);
    ASSERT_TRUE(r.has_value()) << path << ": " << r.error().message;
    const auto& want = fx.at("upstream").as_object();
    EXPECT_EQ(r->url, want.at("url").as_string()) << path;
    EXPECT_EQ(r->method, "POST");
    EXPECT_EQ(find_header(r->headers, "authorization"), "Bearer sk-test");
    EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
    json::value body = json::parse(r->body);
    EXPECT_EQ(body, want.at("body")) << path << "\n got: " << r->body;
  }
  EXPECT_GE(n, 10);
}

TEST(OpenAICodecGolden, UpstreamResponsesDecodeToCanonical) {
  const config::Provider p = house();
  auto codec = make_openai_codec(p);
  int n = 0;
  for (const auto& path : fixtures("providers/openai")) {
    json::object fx = load(path);
    if (!fx.contains("upstream_response")) {
      continue;
    }
    ++n;
    auto r = codec->decode(UpstreamResponse{200, {}, json::serialize(fx.at("upstream_response"))});
    ASSERT_TRUE(r.has_value()) << path << ": " << r.error().message;
    json::value got = to_json(*r);
    if (update_golden()) {
      fx["canonical"] = got;
      write_text(path, pretty(fx) + "\n");
      continue;
    }
    ASSERT_TRUE(fx.contains("canonical")) << path << ": run with GW_UPDATE_GOLDEN=1";
    EXPECT_EQ(got, to_json(response_from(fx.at("canonical").as_object())))
        << path << "\n got: " << json::serialize(got);
  }
  EXPECT_GE(n, 3);
}

TEST(OpenAICodecGolden, UpstreamStreamsDecodeToEventsAtAnySplit) {
  int n = 0;
  for (const auto& path : fixtures("providers/openai")) {
    json::object fx = load(path);
    if (!fx.contains("upstream_sse")) {
      continue;
    }
    ++n;
    const std::string bytes =
        read_text(std::string(GW_FIXTURES_DIR) + "/" + std::string(fx.at("upstream_sse").as_string()));
    ASSERT_FALSE(bytes.empty()) << path;
    json::value got = events_json(decode_stream(bytes, bytes.size()));
    for (size_t split : {1, 2, 7, 64}) {
      EXPECT_EQ(events_json(decode_stream(bytes, split)), got) << path << " split " << split;
    }
    if (update_golden()) {
      fx["events"] = got;
      write_text(path, pretty(fx) + "\n");
      continue;
    }
    ASSERT_TRUE(fx.contains("events")) << path << ": run with GW_UPDATE_GOLDEN=1";
    json::array want;
    for (const auto& e : fx.at("events").as_array()) {
      want.push_back(to_json(event_from(e.as_object())));
    }
    EXPECT_EQ(got, json::value(want)) << path << "\n got: " << json::serialize(got);
  }
  EXPECT_GE(n, 5);
}

TEST(OpenAICodecGolden, UpstreamErrorsClassify) {
  const config::Provider p = house();
  auto codec = make_openai_codec(p);
  int n = 0;
  for (const auto& path : fixtures("providers/openai")) {
    json::object fx = load(path);
    if (!fx.contains("status")) {
      continue;
    }
    ++n;
    UpstreamResponse resp;
    resp.status = fx.at("status").to_number<unsigned>();
    for (const auto& [k, v] : fx.at("headers").as_object()) {
      resp.headers.emplace_back(std::string(k), std::string(v.as_string()));
    }
    const json::value& body = fx.at("body");
    resp.body = body.is_string() ? std::string(body.as_string()) : json::serialize(body);
    Error e = codec->classify(resp);
    const auto& want = fx.at("expected").as_object();
    EXPECT_EQ(e.code_name(), want.at("code").as_string()) << path;
    EXPECT_EQ(e.retryable, want.at("retryable").as_bool()) << path;
    EXPECT_EQ(e.message, want.at("message").as_string()) << path;
    EXPECT_EQ(e.param, s_of(want, "param")) << path;
    EXPECT_EQ(e.upstream_type, s_of(want, "upstream_type")) << path;
    EXPECT_EQ(e.upstream_code, s_of(want, "upstream_code")) << path;
    if (const json::value* d = want.if_contains("upstream_detail")) {
      EXPECT_EQ(json::parse(e.upstream_detail), *d) << path;
    } else {
      EXPECT_EQ(e.upstream_detail, "") << path;
    }
    EXPECT_EQ(e.provider, "house") << path;
    EXPECT_EQ(e.upstream_status, resp.status) << path;
    if (want.contains("retry_after_s")) {
      ASSERT_TRUE(e.retry_after_s.has_value()) << path;
      EXPECT_EQ(*e.retry_after_s, want.at("retry_after_s").to_number<int64_t>()) << path;
    } else {
      EXPECT_FALSE(e.retry_after_s.has_value()) << path;
    }
    EXPECT_EQ(e.message.find("sk-"), std::string::npos) << path;
  }
  EXPECT_GE(n, 8);
}

}  // namespace
}  // namespace gw
