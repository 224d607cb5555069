// Token endpoint answers as Google, Entra ID and Azure's managed identity endpoints send them:
// expires_in as a number or a string, expires_on (epoch seconds) alone, errors without secrets.
#include "gw/providers/oauth/token_answer.h"

#include <gtest/gtest.h>

namespace gw::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = SystemTime{} + std::chrono::seconds(1'700'000'000);
const TokenErrorContext kCtx{"az", "a Microsoft Entra ID token", {"client-secret-value-1234"}};

Result<FetchedToken> read(unsigned status, std::string_view body) {
  return read_token_answer(status, body, kNow, kCtx);
}

TEST(TokenAnswer, ExpiresInAsANumber) {
  auto t = read(200, R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0.a.b"})");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token, "eyJ0.a.b");
  EXPECT_EQ(t->lifetime, 3599s);
}

TEST(TokenAnswer, ExpiresInAsAString) {
  // Instance metadata: every number is a string.
  auto t = read(200, R"({"access_token":"tok","expires_in":"86399","expires_on":"1700086399",)"
                     R"("not_before":"1699999700","resource":"https://cognitiveservices.azure.com",)"
                     R"("token_type":"Bearer"})");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->lifetime, 86399s);
}

TEST(TokenAnswer, ExpiresOnAloneCountsFromNow) {
  // App Service 2019-08-01: expires_on only, epoch seconds as a string.
  auto t = read(200, R"({"access_token":"tok","expires_on":"1700003600","token_type":"Bearer"})");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->lifetime, 3600s);
  t = read(200, R"({"access_token":"tok","expires_on":1700000120})");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->lifetime, 120s);
}

TEST(TokenAnswer, NeitherMeansAnHour) {
  auto t = read(200, R"({"access_token":"tok"})");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->lifetime, 3600s);
}

TEST(TokenAnswer, ExpiredOrMalformedLifetimesAreErrors) {
  for (std::string_view body : {R"({"access_token":"at-SECRET-1","expires_in":0})",
                                R"({"access_token":"at-SECRET-1","expires_in":"soon"})",
                                R"({"access_token":"at-SECRET-1","expires_in":"1e9"})",
                                R"({"access_token":"at-SECRET-1","expires_on":"1699999999"})"}) {
    auto t = read(200, body);
    ASSERT_FALSE(t.has_value()) << body;
    EXPECT_NE(t.error().message.find("invalid expires_in / expires_on"), std::string::npos);
    EXPECT_EQ(t.error().message.find("at-SECRET-1"), std::string::npos);  // the token is not echoed
    EXPECT_FALSE(t.error().retryable);
  }
  auto t = read(200, R"({"expires_in":3600})");
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("without an access_token"), std::string::npos);
}

TEST(TokenAnswer, ErrorsNameTheProviderAndTheEndpointsReason) {
  auto t = read(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]})");
  ASSERT_FALSE(t.has_value());
  const Error& e = t.error();
  EXPECT_EQ(e.code, Code::UpstreamError);
  EXPECT_EQ(e.http_status(), 502u);
  EXPECT_EQ(e.provider, "az");
  EXPECT_FALSE(e.retryable);  // the credential is refused: another try fails the same way
  EXPECT_EQ(e.upstream_status, 401u);
  EXPECT_EQ(e.upstream_type, "invalid_client");
  EXPECT_EQ(e.message,
            "provider az: could not obtain a Microsoft Entra ID token: token endpoint answered HTTP "
            "401 invalid_client (AADSTS7000215: Invalid client secret provided.)");
  EXPECT_TRUE(read(503, "<html>down</html>").error().retryable);
  EXPECT_TRUE(read(429, "{}").error().retryable);
  EXPECT_FALSE(read(400, R"({"error":"invalid_request"})").error().retryable);
}

TEST(TokenAnswer, ADescriptionQuotingASecretIsWithheld) {
  for (std::string_view body :
       {R"({"error":"invalid_client","error_description":"bad secret client-secret-value-1234"})",
        R"({"error":"invalid_grant","error_description":"bad assertion eyJhbGciOi.x.y"})"}) {
    auto t = read(401, body);
    ASSERT_FALSE(t.has_value());
    EXPECT_NE(t.error().message.find("description withheld"), std::string::npos) << body;
    EXPECT_EQ(t.error().message.find("client-secret-value"), std::string::npos);
    EXPECT_EQ(t.error().message.find("eyJ"), std::string::npos);
  }
}

}  // namespace
}  // namespace gw::oauth
