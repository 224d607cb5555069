// Token endpoint answers as Google, Entra ID and Azure's managed identity endpoints send them:
// expires_in as a number or a string, expires_on (epoch seconds) alone, errors without secrets.
#include "gw/providers/oauth/token_answer.h"

#include <boost/json.hpp>
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

TEST(TokenAnswer, APartOfASecretQuotedAnywhereIsWithheld) {
  // Any 16 bytes of the secret, not only its start: a server that echoes a truncated or re-quoted
  // credential must not leak the rest of it.
  const TokenErrorContext ctx{"az", "a Microsoft Entra ID token", {"cs~0123456789abcdefghijklmnopqrstuv"}};
  auto t = read_token_answer(
      401, R"({"error":"invalid_client","error_description":"secret ending 9abcdefghijklmnopq was refused"})", kNow,
      ctx);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message,
            "provider az: could not obtain a Microsoft Entra ID token: token endpoint answered HTTP 401 "
            "invalid_client (description withheld: it quoted a credential)");
}

TEST(RejectedAnswer, ReadsGoogleAPIsErrorObjectsToo) {
  const auto answer = boost::json::parse(
      R"({"error":{"code":403,"status":"PERMISSION_DENIED","message":"Permission 'iam.serviceAccounts.getAccessToken' denied"}})");
  const Error e = rejected_answer("impersonation endpoint", 403, &answer.as_object(), {});
  EXPECT_EQ(e.message,
            "impersonation endpoint answered HTTP 403 PERMISSION_DENIED (Permission "
            "'iam.serviceAccounts.getAccessToken' denied)");
  EXPECT_EQ(e.upstream_type, "PERMISSION_DENIED");
  EXPECT_EQ(e.provider, "");  // the caller names the provider (token_error)
  EXPECT_FALSE(e.retryable);
  EXPECT_TRUE(rejected_answer("STS", 500, nullptr, {}).retryable);
  EXPECT_EQ(rejected_answer("STS", 500, nullptr, {}).message, "STS answered HTTP 500");
}

TEST(TokenOf, NamesTheEndpointItRead) {
  auto t = token_of(boost::json::object{{"expires_in", 10}}, "metadata server", kNow);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message, "metadata server answered HTTP 200 without an access_token");
  t = token_of(boost::json::object{{"access_token", "ya29.x"}, {"expires_in", "3599"}}, "STS", kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->lifetime, 3599s);
}

}  // namespace
}  // namespace gw::oauth
