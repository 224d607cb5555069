#include "gw/redis/redis_url.h"

#include <gtest/gtest.h>

namespace gw::redis {
namespace {

TEST(RedisUrl, HostPortDbAndDefaults) {
  auto u = parse_redis_url("redis://cache.internal:6380/2");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "cache.internal");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 2);
  EXPECT_TRUE(u->password.empty());
  u = parse_redis_url("redis://localhost");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->db, 0);
  u = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 7000);
  EXPECT_EQ(u->redacted(), "redis://[::1]:7000/0");
}

// `redis://${REDIS_HOST}:${REDIS_PORT}` with REDIS_PORT unset: a ':' with no port after it is a
// mistake to report, not the default port.
TEST(RedisUrl, AnEmptyPortAfterAColonIsAnError) {
  for (const char* url : {"redis://cache:", "redis://cache:/1", "redis://[::1]:", "redis://:pw@cache:"}) {
    auto u = parse_redis_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_NE(u.error().message.find("port"), std::string::npos) << u.error().message;
  }
}

TEST(RedisUrl, CredentialsArePercentDecodedAndRedacted) {
  auto u = parse_redis_url("redis://:p%40ss%2Fw0rd@127.0.0.1:6379");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password, "p@ss/w0rd");
  EXPECT_TRUE(u->username.empty());
  EXPECT_EQ(u->redacted(), "redis://***@127.0.0.1:6379/0");
  u = parse_redis_url("redis://gateway:hunter2@10.0.0.5:6379/1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->username, "gateway");
  EXPECT_EQ(u->password, "hunter2");
  EXPECT_EQ(u->redacted().find("hunter2"), std::string::npos);
  EXPECT_EQ(u->redacted().find("gateway"), std::string::npos);
}

TEST(RedisUrl, TlsIsRefusedWithTheReason) {
  auto u = parse_redis_url("rediss://:hunter2@cache:6380");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("rediss://"), std::string::npos);
  EXPECT_NE(u.error().message.find("hiredis 0.14"), std::string::npos);
  EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos);
}

TEST(RedisUrl, ProblemsNeverRepeatThePassword) {
  for (const char* url : {"redis://:hunter2%zz@cache:6379", "redis://:hunter2@cache:notaport",
                          "redis://:hunter2@cache:6379/x", "redis://:hunter2@", "http://:hunter2@cache"}) {
    auto u = parse_redis_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos) << u.error().message;
  }
}

}  // namespace
}  // namespace gw::redis
