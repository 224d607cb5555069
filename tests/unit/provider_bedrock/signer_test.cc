// The Bedrock RequestSigner end to end: an encoded request signed at a fixed time carries exactly
// the headers of the sigv4_bedrock.json vectors; stale signing headers are replaced.
#include "gw/providers/bedrock/bedrock_signer.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace gw::bedrock {
namespace {

namespace json = boost::json;
using testing::parse_json;
using testing::vector_file;

const SystemTime kVectorTime = std::chrono::system_clock::from_time_t(1705322096);  // 2024-01-15T12:34:56Z

const json::object& vector_case(std::string_view name) {
  static const json::value all = parse_json(vector_file("sigv4_bedrock.json"));
  return all.at(name).as_object();
}

UpstreamRequest request_for(const json::object& in) {
  UpstreamRequest req;
  req.method = "POST";
  req.url = "https://" + std::string(in.at("host").as_string()) + std::string(in.at("path").as_string());
  for (const auto& [k, v] : in.at("headers_before_signing").as_object()) {
    if (k != "host") {
      req.headers.emplace_back(std::string(k), std::string(v.as_string()));
    }
  }
  req.body = std::string(in.at("body").as_string());
  return req;
}

TEST(BedrockSigner, SignsLikeTheVectors) {
  for (const char* name : {"invoke_long_term_credentials", "invoke_stream_session_credentials"}) {
    SCOPED_TRACE(name);
    const auto& c = vector_case(name);
    const auto& in = c.at("inputs").as_object();
    UpstreamRequest req = request_for(in);
    const json::value* tok = in.if_contains("sessionToken");
    Credentials creds{std::string(in.at("accessKeyId").as_string()), std::string(in.at("secretAccessKey").as_string()),
                      tok != nullptr && tok->is_string() ? std::string(tok->as_string()) : std::string()};
    ASSERT_TRUE(sign_request(req, creds, "us-east-1", kVectorTime).has_value());
    const auto& want = c.at("expected").at("all_signed_request_headers").as_object();
    EXPECT_EQ(req.headers.size(), want.size());
    for (const auto& [k, v] : want) {
      EXPECT_EQ(find_header(req.headers, k), v.as_string()) << k;
    }
  }
}

TEST(BedrockSigner, ResigningReplacesStaleHeadersAndKeepsPorts) {
  const auto& in = vector_case("invoke_long_term_credentials").at("inputs").as_object();
  UpstreamRequest req = request_for(in);
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  ASSERT_TRUE(sign_request(req, creds, "us-east-1", kVectorTime - std::chrono::hours(1)).has_value());
  ASSERT_TRUE(sign_request(req, creds, "us-east-1", kVectorTime).has_value());
  EXPECT_EQ(find_header(req.headers, "authorization"),
            vector_case("invoke_long_term_credentials").at("expected").at("authorization").as_string());
  EXPECT_EQ(req.headers.size(), 6u);

  UpstreamRequest local;
  local.url = "http://127.0.0.1:8085/model/amazon.nova-pro-v1%3A0/converse?x=a%20b";
  local.body = "{}";
  ASSERT_TRUE(sign_request(local, creds, "us-west-2", kVectorTime).has_value());
  EXPECT_EQ(find_header(local.headers, "host"), "127.0.0.1:8085");
  // Recompute with the pure signer to check path and query went in as sent.
  SigningInput si;
  si.host = "127.0.0.1:8085";
  si.path = "/model/amazon.nova-pro-v1%3A0/converse";
  si.query = {{"x", "a b"}};
  si.body = "{}";
  si.region = "us-west-2";
  si.time = kVectorTime;
  EXPECT_EQ(find_header(local.headers, "authorization"), sign_v4(creds, si).authorization);

  UpstreamRequest default_port;
  default_port.url = "https://bedrock-runtime.us-east-1.amazonaws.com:443/model/x/invoke";
  ASSERT_TRUE(sign_request(default_port, creds, "us-east-1", kVectorTime).has_value());
  EXPECT_EQ(find_header(default_port.headers, "host"), "bedrock-runtime.us-east-1.amazonaws.com");

  // A host name that begins with a dotted quad is signed as the name the client sends (Boost.URL
  // 1.81 alone reads 10.0.0.1 with ".sslip.io:8443/model/..." for a path).
  UpstreamRequest quad;
  quad.url = "https://10.0.0.1.sslip.io:8443/model/x/invoke";
  quad.body = "{}";
  ASSERT_TRUE(sign_request(quad, creds, "us-east-1", kVectorTime).has_value());
  EXPECT_EQ(find_header(quad.headers, "host"), "10.0.0.1.sslip.io:8443");
  SigningInput qi;
  qi.host = "10.0.0.1.sslip.io:8443";
  qi.path = "/model/x/invoke";
  qi.body = "{}";
  qi.region = "us-east-1";
  qi.time = kVectorTime;
  EXPECT_EQ(find_header(quad.headers, "authorization"), sign_v4(creds, qi).authorization);

  UpstreamRequest relative;
  relative.url = "/model/x/invoke";
  EXPECT_FALSE(sign_request(relative, creds, "us-east-1", kVectorTime).has_value());
}

TEST(BedrockSigner, RequestSignerUsesTheInjectedClockAndConfig) {
  config::Provider p;
  p.name = "aws-east";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  p.access_key_id = "ASIAEXAMPLEEXAMPLE01";
  p.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  p.session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQ";
  ManualClock clock(kVectorTime);
  auto signer = make_bedrock_signer(p, clock);
  const auto& c = vector_case("invoke_stream_session_credentials");
  UpstreamRequest req = request_for(c.at("inputs").as_object());

  net::io_context io;
  std::optional<Result<void>> got;
  net::co_spawn(io, [&]() -> net::awaitable<void> { got = co_await signer->sign(req); }, net::detached);
  io.run();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(find_header(req.headers, "authorization"), c.at("expected").at("authorization").as_string());

  config::Provider none = p;
  none.access_key_id.clear();
  auto unsigned_signer = make_bedrock_signer(none, clock);
  UpstreamRequest req2 = request_for(c.at("inputs").as_object());
  got.reset();
  net::io_context io2;
  net::co_spawn(io2, [&]() -> net::awaitable<void> { got = co_await unsigned_signer->sign(req2); }, net::detached);
  io2.run();
  ASSERT_TRUE(got.has_value());
  ASSERT_FALSE(got->has_value());
  EXPECT_EQ(got->error().provider, "aws-east");
  EXPECT_EQ(got->error().message.find("wJalr"), std::string::npos);
}

}  // namespace
}  // namespace gw::bedrock
