// Golden tests across every client dialect x provider family (design.md "Golden fixtures for every
// dialect x provider pair"). Each tests/fixtures/translation/*.json names a client dialect and a
// provider and holds one of:
//   request + upstream_body             client body -> dialect.parse -> codec.encode -> upstream body
//   request + expected_error_param      ... and the 400 naming that field
//   request + upstream_response + client_response
//                                       upstream body -> codec.decode -> dialect.render
//   request + upstream_sse + client_sse upstream SSE (split anywhere) -> stream decoder -> encoder
// Everything is compared as parsed JSON, ignoring "id" and "created" (and Anthropic pings, which a
// client must ignore wherever they appear). GW_UPDATE_GOLDEN=1 rewrites the expected outputs that
// live in tests/fixtures/translation/ (never the vectors); review the diff.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "../provider_openai/canonical_json.h"
#include "gw/canonical/usage_accumulator.h"
#include "gw/dialects/dialect.h"
#include "gw/providers/anthropic/anthropic_codec.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace gw::testing;

const std::string kDir = std::string(GW_FIXTURES_DIR) + "/translation";

struct Pair {
  const ClientDialect* dialect;
  config::Provider provider;
  std::unique_ptr<ProviderCodec> codec;
};

std::unique_ptr<Pair> pair_of(const json::object& fx) {
  auto p = std::make_unique<Pair>();
  p->dialect = s_of(fx, "client") == "anthropic_messages" ? &anthropic_messages_dialect() : &openai_chat_dialect();
  p->provider.name = "up";
  p->provider.api_key = "sk-up";
  if (s_of(fx, "provider") == "anthropic") {
    p->provider.type = config::ProviderType::Anthropic;
    p->provider.base_url = "https://anthropic.test";
    p->codec = make_anthropic_codec(p->provider);
  } else {
    p->provider.type = config::ProviderType::OpenAI;
    p->provider.base_url = "https://openai.test/v1";
    p->codec = make_openai_codec(p->provider);
  }
  return p;
}

config::Deployment deployment() {
  config::Deployment d;
  d.provider = "up";
  d.model = "up-model";
  return d;
}

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() == ".json" && e.path().filename().string().rfind("usage_", 0) != 0) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

json::object load(const std::string& path) { return json::parse(read_text(path)).as_object(); }

json::value strip_ids(json::value v) {
  if (v.is_object()) {
    v.get_object().erase("id");
    v.get_object().erase("created");
  }
  return v;
}

std::vector<json::value> client_payloads(std::string_view sse) {
  std::vector<json::value> out;
  for (auto& v : sse_payloads(sse)) {
    if (v.is_object() && v.get_object().if_contains("type") != nullptr && v.at("type") == "ping") {
      continue;
    }
    if (v.is_object() && v.get_object().contains("message")) {  // message_start: the id is inside
      v.at("message").as_object().erase("id");
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<ChatRequest> parse(const Pair& p, const json::object& fx) {
  return p.dialect->parse(json::serialize(fx.at("request")));
}

std::string translate_stream(const Pair& p, const ChatRequest& req, std::string_view bytes, size_t split) {
  auto dec = p.codec->stream_decoder();
  auto enc = p.dialect->stream_encoder(req);
  std::vector<StreamEvent> evs;
  for (size_t i = 0; i < bytes.size(); i += split) {
    dec->feed(bytes.substr(i, split), evs);
  }
  dec->finish(evs);
  std::string out;
  for (const auto& e : evs) {
    out += enc->encode(e);
  }
  return out;
}

// Boost.JSON 1.81 reads a zero with a huge exponent as NaN and would print it as the invalid word
// NaN; a number beyond a double's range reads as infinity. Whatever the client sent, every upstream
// gets valid JSON, or the client a 400 in its own dialect.
TEST(Translation, UpstreamBodiesAreValidJsonWhateverNumbersTheClientWrote) {
  const std::string tools_openai =
      R"("tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"number","maximum":0e300370955}}}}}])";
  const std::string tools_anthropic =
      R"("tools":[{"name":"f","input_schema":{"type":"object","properties":{"n":{"type":"number","maximum":0e300370955}}}}])";
  for (const char* client : {"openai_chat", "anthropic_messages"}) {
    for (const char* provider : {"openai", "anthropic"}) {
      const auto p = pair_of(json::object{{"client", client}, {"provider", provider}});
      const bool anthropic = std::string_view(client) == "anthropic_messages";
      const std::string body = std::string(R"({"model":"m","max_tokens":16,"temperature":0e300370955,)") +
                               (anthropic ? tools_anthropic : tools_openai) +
                               R"(,"messages":[{"role":"user","content":"hi"}]})";
      auto req = p->dialect->parse(body);
      ASSERT_TRUE(req) << client << ": " << req.error().message;
      auto up = p->codec->encode(*req, deployment());
      ASSERT_TRUE(up) << client << " -> " << provider << ": " << up.error().message;
      json::error_code ec;
      const json::value sent = json::parse(up->body, ec);
      ASSERT_FALSE(ec) << client << " -> " << provider << " sent invalid JSON: " << up->body;
      EXPECT_EQ(sent.at("temperature"), json::value(0.0)) << up->body;

      auto huge = p->dialect->parse(R"({"model":"m","max_tokens":16,"temperature":1e400,"messages":[{"role":"user","content":"hi"}]})");
      ASSERT_FALSE(huge) << client;
      EXPECT_EQ(huge.error().code, Code::InvalidRequest);
    }
  }
}

TEST(Translation, EveryPairIsCovered) {
  std::set<std::string> seen;
  for (const auto& path : fixtures()) {
    json::object fx = load(path);
    std::string kind = fx.contains("upstream_sse") ? "stream" : fx.contains("upstream_response") ? "response" : "request";
    seen.insert(s_of(fx, "client") + ">" + s_of(fx, "provider") + ":" + kind);
  }
  for (const char* c : {"anthropic_messages", "openai_chat"}) {
    for (const char* p : {"anthropic", "openai"}) {
      for (const char* k : {"request", "response", "stream"}) {
        EXPECT_TRUE(seen.count(std::string(c) + ">" + p + ":" + k)) << c << " > " << p << " " << k;
      }
    }
  }
}

TEST(Translation, RequestsReachTheUpstreamAsExpected) {
  int n = 0;
  for (const auto& path : fixtures()) {
    json::object fx = load(path);
    if (fx.contains("upstream_response") || fx.contains("upstream_sse")) {
      continue;
    }
    ++n;
    auto p = pair_of(fx);
    auto req = parse(*p, fx);
    ASSERT_TRUE(req.has_value()) << path << ": " << req.error().message;
    auto up = p->codec->encode(*req, deployment());
    if (fx.contains("expected_error_param")) {
      ASSERT_FALSE(up.has_value()) << path << "\n got: " << up->body;
      EXPECT_EQ(up.error().code, Code::InvalidRequest) << path;
      EXPECT_EQ(up.error().param, fx.at("expected_error_param").as_string()) << path;
      EXPECT_EQ(p->dialect->render_error(up.error()).status, 400u) << path;
      continue;
    }
    ASSERT_TRUE(up.has_value()) << path << ": " << up.error().message;
    json::value got = json::parse(up->body);
    if (update_golden()) {
      fx["upstream_body"] = got;
      write_text(path, pretty(fx) + "\n");
      continue;
    }
    EXPECT_EQ(got, fx.at("upstream_body")) << path << "\n got: " << up->body;
  }
  EXPECT_GE(n, 6);
}

TEST(Translation, ResponsesReachTheClientAsExpected) {
  int n = 0;
  for (const auto& path : fixtures()) {
    json::object fx = load(path);
    if (!fx.contains("upstream_response")) {
      continue;
    }
    ++n;
    auto p = pair_of(fx);
    auto req = parse(*p, fx);
    ASSERT_TRUE(req.has_value()) << path;
    auto resp = p->codec->decode(UpstreamResponse{200, {}, json::serialize(fx.at("upstream_response"))});
    ASSERT_TRUE(resp.has_value()) << path << ": " << resp.error().message;
    json::value got = strip_ids(json::parse(p->dialect->render(*resp, *req)));
    if (update_golden()) {
      fx["client_response"] = got;
      write_text(path, pretty(fx) + "\n");
      continue;
    }
    EXPECT_EQ(got, strip_ids(fx.at("client_response"))) << path << "\n got: " << got;
  }
  EXPECT_GE(n, 4);
}

TEST(Translation, StreamsReachTheClientAsExpectedAtAnySplit) {
  int n = 0;
  for (const auto& path : fixtures()) {
    json::object fx = load(path);
    if (!fx.contains("upstream_sse")) {
      continue;
    }
    ++n;
    auto p = pair_of(fx);
    auto req = parse(*p, fx);
    ASSERT_TRUE(req.has_value()) << path;
    const std::string bytes = read_text(std::string(GW_FIXTURES_DIR) + "/" + s_of(fx, "upstream_sse"));
    ASSERT_FALSE(bytes.empty()) << path;
    const std::string whole = translate_stream(*p, *req, bytes, bytes.size());
    for (size_t split : {1, 3, 17}) {
      EXPECT_EQ(client_payloads(translate_stream(*p, *req, bytes, split)), client_payloads(whole))
          << path << " split " << split;
    }
    const std::string want_file = std::string(GW_FIXTURES_DIR) + "/" + s_of(fx, "client_sse");
    if (update_golden() && s_of(fx, "client_sse").rfind("translation/", 0) == 0) {
      write_text(want_file, whole);
      continue;
    }
    auto got = client_payloads(whole);
    auto want = client_payloads(read_text(want_file));
    ASSERT_EQ(got.size(), want.size()) << path << "\n" << whole;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], want[i]) << path << " event " << i;
    }
    if (p->dialect == &anthropic_messages_dialect()) {
      // Every event carries its event: line, and one ping follows message_start.
      SseReader reader;
      std::vector<SseEvent> evs;
      reader.feed(whole, evs);
      ASSERT_GE(evs.size(), 2u);
      EXPECT_EQ(evs[1].event, "ping") << path;
      for (const auto& e : evs) {
        EXPECT_EQ(json::parse(e.data).at("type").as_string(), e.event) << path;
      }
    }
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace gw

namespace gw {
namespace {

// Regression for the bug class design.md names first (LiteLLM's): a streamed and a plain answer of
// the same content must bill the same tokens. Both go through the one UsageAccumulator.
TEST(Translation, StreamedAndPlainAnswersBillTheSameUsage) {
  for (const char* name : {"usage_anthropic.json", "usage_openai.json"}) {
    const std::string path = kDir + "/" + name;
    json::object fx = load(path);
    auto p = pair_of(fx);
    UsageAccumulator streamed(1000);  // the estimate must lose to what the upstream reports
    auto dec = p->codec->stream_decoder();
    std::vector<StreamEvent> evs;
    const std::string bytes = read_text(std::string(GW_FIXTURES_DIR) + "/" + s_of(fx, "upstream_sse"));
    for (size_t i = 0; i < bytes.size(); i += 5) {
      dec->feed(std::string_view(bytes).substr(i, 5), evs);
    }
    dec->finish(evs);
    for (const auto& e : evs) {
      streamed.on_event(e);
    }
    UsageAccumulator plain(1000);
    auto resp = p->codec->decode(UpstreamResponse{200, {}, json::serialize(fx.at("upstream_response"))});
    ASSERT_TRUE(resp.has_value()) << path;
    plain.on_response(*resp);
    EXPECT_TRUE(streamed.reported()) << path;
    EXPECT_TRUE(plain.reported()) << path;
    EXPECT_EQ(streamed.usage(), plain.usage()) << path;
    EXPECT_EQ(streamed.usage(), usage_from(fx.at("usage").as_object())) << path;
  }
}

}  // namespace
}  // namespace gw
