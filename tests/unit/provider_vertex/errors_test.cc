// Vertex error classification, data-driven from tests/fixtures/providers/vertex/error_*.json:
// Google shapes (object and one-element array) and Anthropic shapes from the model.
#include <filesystem>

#include <gtest/gtest.h>

#include "gw/providers/vertex/vertex_codec.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;

std::vector<std::string> error_fixtures() {
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(GW_FIXTURES_DIR) + "/providers/vertex")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("error_", 0) == 0 && entry.path().extension() == ".json") {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class VertexErrors : public ::testing::TestWithParam<std::string> {};

TEST_P(VertexErrors, Classify) {
  const json::object c = testing::read_json(testing::fixture_path(GetParam())).as_object();
  UpstreamResponse resp;
  resp.status = unsigned(c.at("status").as_int64());
  for (const auto& [k, v] : c.at("headers").as_object()) {
    resp.headers.emplace_back(std::string(k), std::string(v.as_string()));
  }
  resp.body = c.contains("body_text") ? std::string(c.at("body_text").as_string())
                                      : json::serialize(c.at("body"));
  config::Provider p;
  p.name = "gcp";
  p.type = config::ProviderType::Vertex;
  const Error e = make_vertex_codec(p)->classify(resp);

  const json::object& x = c.at("expected").as_object();
  SCOPED_TRACE(std::string(c.at("description").as_string()));
  EXPECT_EQ(e.code_name(), x.at("code").as_string());
  EXPECT_EQ(e.retryable, x.at("retryable").as_bool());
  EXPECT_EQ(e.http_status(), unsigned(x.at("http_status").as_int64()));
  EXPECT_EQ(e.upstream_type, x.at("upstream_type").as_string());
  EXPECT_EQ(e.upstream_status, resp.status);
  EXPECT_EQ(e.provider, "gcp");
  if (const json::value* m = x.if_contains("message")) {
    EXPECT_EQ(e.message, m->as_string());
  }
  if (const json::value* m = x.if_contains("message_contains")) {
    EXPECT_NE(e.message.find(std::string(m->as_string())), std::string::npos) << e.message;
  }
  if (const json::value* r = x.if_contains("retry_after_s")) {
    ASSERT_TRUE(e.retry_after_s.has_value());
    EXPECT_EQ(*e.retry_after_s, r->as_int64());
  } else {
    EXPECT_FALSE(e.retry_after_s.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures,
                         VertexErrors,
                         ::testing::ValuesIn(error_fixtures()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           return n;
                         });

TEST(VertexErrorsExtra, EmptyArrayAndGarbageFallBackToTheStatus) {
  config::Provider p;
  p.name = "gcp";
  auto codec = make_vertex_codec(p);
  Error e = codec->classify(UpstreamResponse{429, {}, "[]"});
  EXPECT_EQ(e.code, Code::RateLimited);
  EXPECT_TRUE(e.retryable);
  e = codec->classify(UpstreamResponse{503, {}, ""});
  EXPECT_TRUE(e.retryable);
  e = codec->classify(UpstreamResponse{400, {}, R"([{"error":"x"}])"});
  EXPECT_EQ(e.code, Code::UpstreamRejected);
  EXPECT_FALSE(e.retryable);
}

}  // namespace
}  // namespace gw::vertex
