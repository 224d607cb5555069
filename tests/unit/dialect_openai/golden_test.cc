// Data-driven golden tests for the OpenAI chat dialect. The fixtures are shared with the provider
// tests through a canonical middle (see tests/unit/provider_openai/canonical_json.h):
//   dialects/openai_chat/*.json   request -> canonical (here); canonical -> upstream (provider test)
//                                 request -> 400 naming the field; events -> client SSE
//   providers/openai/*.json       canonical -> client response / client SSE / client error (here)
// GW_UPDATE_GOLDEN=1 rewrites the canonical middles this binary owns (review the diff).
#include <gtest/gtest.h>

#include <filesystem>

#include "../provider_openai/canonical_json.h"
#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace gw::testing;

ChatRequest client_request(const json::object& fx) {
  auto r = openai::parse_chat_request(json::serialize(fx.at("request")));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ChatRequest{};
}

void expect_sse(const std::string& actual, const std::string& expected_file, const std::string& path) {
  auto got = sse_payloads(actual);
  auto want = sse_payloads(read_text(std::string(GW_FIXTURES_DIR) + "/" + expected_file));
  ASSERT_EQ(got.size(), want.size()) << path << "\n" << actual;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << path << " event " << i;
  }
}

Code code_named(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(Code::Unavailable); ++c) {
    Error e;
    e.code = static_cast<Code>(c);
    if (e.code_name() == name) {
      return e.code;
    }
  }
  ADD_FAILURE() << "unknown code " << name;
  return Code::Internal;
}

TEST(OpenAIChatGolden, RequestsParseToCanonical) {
  int n = 0;
  for (const auto& path : fixtures("dialects/openai_chat")) {
    json::object fx = load(path);
    if (!fx.contains("upstream")) {
      continue;
    }
    ++n;
    ChatRequest req = client_request(fx);
    json::value got = to_json(req);
    if (update_golden()) {
      fx["canonical"] = got;
      write_text(path, pretty(fx) + "\n");
      continue;
    }
    ASSERT_TRUE(fx.contains("canonical")) << path << ": run with GW_UPDATE_GOLDEN=1";
    json::value want = to_json(request_from(fx.at("canonical").as_object()));
    EXPECT_EQ(got, want) << path << "\n got: " << json::serialize(got);
  }
  EXPECT_GE(n, 10);
}

TEST(OpenAIChatGolden, BadRequestsNameTheField) {
  int n = 0;
  for (const auto& path : fixtures("dialects/openai_chat")) {
    json::object fx = load(path);
    if (!fx.contains("error")) {
      continue;
    }
    ++n;
    auto r = openai::parse_chat_request(json::serialize(fx.at("request")));
    ASSERT_FALSE(r.has_value()) << path;
    const auto& want = fx.at("error").as_object();
    const std::string param(want.at("param").as_string());
    EXPECT_EQ(r.error().param, param) << path;
    EXPECT_EQ(r.error().message.rfind(param + ":", 0), 0u) << path << ": " << r.error().message;
    ClientReply reply = openai::render_chat_error(r.error());
    EXPECT_EQ(reply.status, want.at("status").to_number<unsigned>()) << path;
    json::value body = json::parse(reply.body);
    EXPECT_EQ(body.at("error").at("param"), json::value(param)) << path;
    EXPECT_EQ(body.at("error").at("type"), json::value("invalid_request_error")) << path;
  }
  EXPECT_GE(n, 10);
}

TEST(OpenAIChatGolden, CanonicalResponsesRenderForTheClient) {
  int n = 0;
  for (const auto& path : fixtures("providers/openai")) {
    json::object fx = load(path);
    if (!fx.contains("upstream_response")) {
      continue;
    }
    ++n;
    ASSERT_TRUE(fx.contains("canonical")) << path << ": run provider_openai_test with GW_UPDATE_GOLDEN=1";
    ChatResponse resp = response_from(fx.at("canonical").as_object());
    json::value got = json::parse(openai::render_chat_response(resp, client_request(fx), 1700000000));
    EXPECT_EQ(got.at("created"), json::value(1700000000));
    EXPECT_EQ(std::string(got.at("id").as_string()).rfind("chatcmpl-", 0), 0u);
    got.as_object().erase("id");
    got.as_object().erase("created");
    EXPECT_EQ(got, fx.at("client")) << path << "\n got: " << json::serialize(got);
  }
  EXPECT_GE(n, 3);
}

TEST(OpenAIChatGolden, CanonicalEventsEncodeToClientStreams) {
  int n = 0;
  for (const std::string dir : {"dialects/openai_chat", "providers/openai"}) {
    for (const auto& path : fixtures(dir)) {
      json::object fx = load(path);
      if (!fx.contains("client_sse")) {
        continue;
      }
      ++n;
      ASSERT_TRUE(fx.contains("events")) << path << ": run provider_openai_test with GW_UPDATE_GOLDEN=1";
      ChatRequest req = client_request(fx);
      auto enc = openai::make_chat_stream_encoder(req, 1700000000);
      std::string out;
      for (const auto& ev : fx.at("events").as_array()) {
        out += enc->encode(event_from(ev.as_object()));
      }
      expect_sse(out, std::string(fx.at("client_sse").as_string()), path);
    }
  }
  EXPECT_GE(n, 7);
}

TEST(OpenAIChatGolden, UpstreamErrorsRenderForTheClient) {
  int n = 0;
  for (const auto& path : fixtures("providers/openai")) {
    json::object fx = load(path);
    if (!fx.contains("status")) {
      continue;
    }
    ++n;
    const auto& want = fx.at("expected").as_object();
    Error e;
    e.code = code_named(want.at("code").as_string());
    e.message = s_of(want, "message");
    e.param = s_of(want, "param");
    e.retryable = b_of(want, "retryable");
    e.upstream_status = fx.at("status").to_number<unsigned>();
    e.upstream_code = s_of(want, "upstream_code");
    if (const json::value* d = want.if_contains("upstream_detail")) {
      e.upstream_detail = json::serialize(*d);
    }
    ClientReply reply = openai::render_chat_error(e);
    const auto& client = fx.at("client").as_object();
    EXPECT_EQ(reply.status, client.at("status").to_number<unsigned>()) << path;
    EXPECT_EQ(json::parse(reply.body), client.at("body")) << path << "\n got: " << reply.body;
    EXPECT_EQ(find_header(reply.headers, "content-type"), "application/json");
  }
  EXPECT_GE(n, 8);
}

}  // namespace
}  // namespace gw
