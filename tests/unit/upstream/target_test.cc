#include "gw/upstream/target.h"

#include <gtest/gtest.h>

namespace gw::upstream {
namespace {

TEST(ParseTarget, HttpsDefaultsPortAndPath) {
  auto t = parse_target("https://api.example.com");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "api.example.com");
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->host_header, "api.example.com");
  EXPECT_EQ(t->target, "/");
  EXPECT_EQ(t->pool_key, "https://api.example.com:443");
}

TEST(ParseTarget, HttpDefaultPortIsNotInHostHeader) {
  auto t = parse_target("http://Example.com:80/v1/chat/completions");
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->tls);
  EXPECT_EQ(t->port, 80);
  EXPECT_EQ(t->host_header, "Example.com");
  EXPECT_EQ(t->target, "/v1/chat/completions");
}

TEST(ParseTarget, ExplicitPortPathAndQueryKeptEncoded) {
  auto t = parse_target("http://127.0.0.1:8000/v1/models/a%2Fb:generate?api-version=2024-10-21&x=%20#frag");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 8000);
  EXPECT_EQ(t->host_header, "127.0.0.1:8000");
  EXPECT_EQ(t->target, "/v1/models/a%2Fb:generate?api-version=2024-10-21&x=%20");
  EXPECT_EQ(t->authority(), "127.0.0.1:8000");
}

TEST(ParseTarget, Ipv6LiteralUnbracketedForConnectBracketedForHost) {
  auto t = parse_target("https://[::1]:8443/x");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->host_header, "[::1]:8443");
  EXPECT_EQ(t->authority(), "[::1]:8443");
  EXPECT_EQ(t->pool_key, "https://[::1]:8443");
}

TEST(ParseTarget, NamesThatBeginWithADottedQuadAreNames) {
  // Boost.URL 1.81 alone reads these as 10.0.0.1 / 127.0.0.1 with ".sslip.io:8080/v1" for a path.
  auto t = parse_target("http://10.0.0.1.sslip.io:8080/v1?x=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "10.0.0.1.sslip.io");
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->host_header, "10.0.0.1.sslip.io:8080");
  EXPECT_EQ(t->target, "/v1?x=1");
  t = parse_target("https://127.0.0.1.nip.io/v1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1.nip.io");
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->target, "/v1");
  t = parse_target("http://192.168.1.20-vllm.internal");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "192.168.1.20-vllm.internal");
  EXPECT_EQ(t->target, "/");
  t = parse_target("http://127.0.0.1:8000/v1");  // a real address stays one
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->target, "/v1");
}

TEST(ParseTarget, EmptyPortMeansDefault) {
  auto t = parse_target("http://h:/p");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->port, 80);
}

TEST(ParseTarget, RejectsOtherSchemesRelativeAndBadPorts) {
  EXPECT_FALSE(parse_target("ftp://example.com/").has_value());
  EXPECT_FALSE(parse_target("/relative/path").has_value());
  EXPECT_FALSE(parse_target("http:///nohost").has_value());
  EXPECT_FALSE(parse_target("http://h:0/").has_value());
  EXPECT_FALSE(parse_target("http://h:99999/").has_value());
}

TEST(ParseTarget, ErrorsNeverEchoTheUrl) {
  auto t = parse_target("ftp://example.com/?key=SECRET123");
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Code::UpstreamError);
  EXPECT_FALSE(t.error().retryable);
  EXPECT_EQ(t.error().message.find("SECRET123"), std::string::npos);
}

}  // namespace
}  // namespace gw::upstream
