// What each grant sends and how it reads the answer, against the scripted fake HTTP client: the
// refresh-token form, STS token exchange (+ impersonation), the metadata server, and errors that
// never quote a credential.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "gw/common/percent.h"
#include "gw/providers/vertex/grant_external_account.h"
#include "gw/providers/vertex/grant_metadata.h"
#include "gw/providers/vertex/grant_refresh_token.h"
#include "gw/providers/vertex/token_exchange.h"
#include "gw/providers/vertex/token_source.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::FakeHttpClient;
using testing::FakeReply;
using testing::token_json;

constexpr std::string_view kScope = "https://www.googleapis.com/auth/cloud-platform";

struct Harness {
  FakeHttpClient http;
  ManualClock clock;
  Timeouts timeouts;
  Result<GrantedToken> fetch(const TokenGrant& g) {
    return testing::run<Result<GrantedToken>>([&]() {
      return g.fetch(GrantContext{.http = http, .clock = clock, .timeouts = timeouts, .scope = kScope});
    });
  }
};

std::map<std::string, std::string> form_of(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i <= body.size()) {
    size_t amp = body.find('&', i);
    if (amp == std::string::npos) {
      amp = body.size();
    }
    const std::string pair = body.substr(i, amp - i);
    const size_t eq = pair.find('=');
    out[*percent_decode(pair.substr(0, eq))] = *percent_decode(pair.substr(eq + 1));
    i = amp + 1;
  }
  return out;
}

TEST(FormBody, EncodesLikeUrlSearchParams) {
  EXPECT_EQ(form_body({{"grant_type", "refresh_token"}, {"a b", "x/y:z~._-"}}),
            "grant_type=refresh_token&a%20b=x%2Fy%3Az~._-");
}

TEST(RefreshTokenGrant, PostsTheRefreshTokenForm) {
  AuthorizedUser u{.client_id = "cid.apps.googleusercontent.com",
                   .client_secret = "GOCSPX-secret",
                   .refresh_token = "1//refresh/token+x",
                   .token_uri = "http://127.0.0.1:9/token"};
  EXPECT_EQ(refresh_token_body(u),
            "grant_type=refresh_token&client_id=cid.apps.googleusercontent.com&client_secret=GOCSPX-"
            "secret&refresh_token=1%2F%2Frefresh%2Ftoken%2Bx");
  Harness h;
  h.http.replies = {FakeReply{200u, token_json("ya29.user", 3599)}};
  RefreshTokenGrant g(u, "f");
  auto t = h.fetch(g);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token, "ya29.user");
  EXPECT_EQ(t->lifetime, 3599s);
  ASSERT_EQ(h.http.requests.size(), 1u);
  EXPECT_EQ(h.http.requests[0].method, "POST");
  EXPECT_EQ(h.http.requests[0].url, "http://127.0.0.1:9/token");
  EXPECT_EQ(find_header(h.http.requests[0].headers, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(h.http.requests[0].body, refresh_token_body(u));

  // invalid_grant (a revoked refresh token): not retryable, the echoed token withheld.
  h.http.replies = {FakeReply{400u, R"({"error":"invalid_grant","error_description":"Token 1//refresh/token+x has been expired or revoked."})"}};
  t = h.fetch(g);
  ASSERT_FALSE(t.has_value());
  EXPECT_FALSE(t.error().retryable);
  EXPECT_EQ(t.error().upstream_type, "invalid_grant");
  EXPECT_EQ(t.error().message,
            "token endpoint answered HTTP 400 invalid_grant (description withheld: it quoted a credential)");
}

ExternalAccount federation(const std::string& token_file) {
  return ExternalAccount{.audience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k",
                         .subject_token_type = "urn:ietf:params:oauth:token-type:jwt",
                         .token_url = "http://127.0.0.1:9/v1/token",
                         .service_account_impersonation_url = "",
                         .client_id = "",
                         .client_secret = "",
                         .source_file = token_file,
                         .subject_token_field_name = ""};
}

// RFC 3339 in UTC with fractional seconds, as IAM writes expireTime.
std::string utc(SystemTime t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(t - days));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.250Z", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

TEST(ExternalAccountGrant, ExchangesTheSubjectTokenAtSts) {
  const std::string file = write_temp("subject-sts.txt", "eyJ.subject.one\n");
  ExternalAccount a = federation(file);
  Harness h;
  h.http.replies = {FakeReply{200u, R"({"access_token":"ya29.federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600})"}};
  ExternalAccountGrant g(a, "f");
  auto t = h.fetch(g);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token, "ya29.federated");
  ASSERT_EQ(h.http.requests.size(), 1u);
  const auto& req = h.http.requests[0];
  EXPECT_EQ(req.url, "http://127.0.0.1:9/v1/token");
  EXPECT_EQ(find_header(req.headers, "authorization"), "");
  const auto form = form_of(req.body);
  EXPECT_EQ(form.at("grant_type"), "urn:ietf:params:oauth:grant-type:token-exchange");
  EXPECT_EQ(form.at("audience"), a.audience);
  EXPECT_EQ(form.at("scope"), kScope);
  EXPECT_EQ(form.at("requested_token_type"), "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(form.at("subject_token"), "eyJ.subject.one");
  EXPECT_EQ(form.at("subject_token_type"), "urn:ietf:params:oauth:token-type:jwt");
  EXPECT_EQ(form.size(), 6u);

  // The file is read again on the next exchange (the issuer rotates it); JSON format too.
  write_temp("subject-sts.txt", R"({"id_token":"eyJ.subject.two"})");
  a.subject_token_field_name = "id_token";
  a.client_id = "client";
  a.client_secret = "s3cret";
  ExternalAccountGrant g2(a, "f");
  ASSERT_TRUE(h.fetch(g2).has_value());
  EXPECT_EQ(form_of(h.http.requests[1].body).at("subject_token"), "eyJ.subject.two");
  EXPECT_EQ(find_header(h.http.requests[1].headers, "authorization"), "Basic Y2xpZW50OnMzY3JldA==");
}

TEST(ExternalAccountGrant, ImpersonatesWithTheFederatedToken) {
  ExternalAccount a = federation(write_temp("subject-imp.txt", "eyJ.subject"));
  a.service_account_impersonation_url =
      "http://127.0.0.1:9/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken";
  EXPECT_EQ(impersonation_request_body(kScope),
            R"({"scope":["https://www.googleapis.com/auth/cloud-platform"]})");
  Harness h;
  // The clock's wall time, plus 20 minutes, as IAM writes it.
  const std::string expire = utc(std::chrono::floor<std::chrono::seconds>(h.clock.now()) + 20min);
  h.http.replies = {FakeReply{200u, token_json("ya29.federated", 3600)},
                    FakeReply{200u, R"({"accessToken":"ya29.impersonated","expireTime":")" + expire + R"("})"}};
  ExternalAccountGrant g(a, "f");
  auto t = h.fetch(g);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token, "ya29.impersonated");
  EXPECT_EQ(t->lifetime, 20min);
  ASSERT_EQ(h.http.requests.size(), 2u);
  const auto& imp = h.http.requests[1];
  EXPECT_EQ(imp.method, "POST");
  EXPECT_EQ(imp.url, a.service_account_impersonation_url);
  EXPECT_EQ(find_header(imp.headers, "authorization"), "Bearer ya29.federated");
  EXPECT_EQ(find_header(imp.headers, "content-type"), "application/json");
  EXPECT_EQ(json::parse(imp.body), json::parse(impersonation_request_body(kScope)));

  // IAM's error shape; a bad expireTime.
  h.http.requests.clear();
  h.http.replies = {FakeReply{200u, token_json("ya29.federated", 3600)},
                    FakeReply{403u, R"({"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied","status":"PERMISSION_DENIED"}})"}};
  t = h.fetch(g);
  ASSERT_FALSE(t.has_value());
  EXPECT_FALSE(t.error().retryable);
  EXPECT_EQ(t.error().message,
            "impersonation endpoint answered HTTP 403 PERMISSION_DENIED (Permission "
            "'iam.serviceAccounts.getAccessToken' denied)");
  h.http.replies = {FakeReply{200u, token_json("ya29.federated", 3600)},
                    FakeReply{200u, R"({"accessToken":"ya29.i","expireTime":"tomorrow"})"}};
  t = h.fetch(g);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("invalid expireTime"), std::string::npos);
}

TEST(ExternalAccountGrant, AMissingSubjectFileIsAnErrorWithoutACall) {
  Harness h;
  ExternalAccountGrant g(federation(::testing::TempDir() + "/no-such-subject"), "f");
  auto t = h.fetch(g);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("subject token file"), std::string::npos);
  EXPECT_NE(t.error().message.find("cannot be opened"), std::string::npos);
  EXPECT_TRUE(h.http.requests.empty());
}

TEST(MetadataServerGrant, GetsTheDefaultAccountsTokenWithTheFlavorHeader) {
  EXPECT_EQ(metadata_token_url("metadata.google.internal"),
            "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token");
  EXPECT_EQ(metadata_token_url("127.0.0.1:8080"),
            "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token");
  EXPECT_EQ(metadata_token_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/token");
  Harness h;
  h.http.replies = {FakeReply{200u, token_json("ya29.gce", 1800)}};
  MetadataServerGrant g("127.0.0.1:8080");
  auto t = h.fetch(g);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->token, "ya29.gce");
  EXPECT_EQ(t->lifetime, 1800s);
  const auto& req = h.http.requests.at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.body, "");
  EXPECT_EQ(find_header(req.headers, "metadata-flavor"), "Google");

  Error refused = make_error(Code::UpstreamError, "connect: Connection refused");
  refused.retryable = true;
  h.http.replies = {FakeReply{refused, ""}};
  t = h.fetch(g);
  ASSERT_FALSE(t.has_value());
  EXPECT_TRUE(t.error().retryable);
  EXPECT_EQ(t.error().message,
            "metadata server http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/"
            "default/token unreachable (connect: Connection refused)");
}

// The source's description is in every error of a keyless provider's token source.
TEST(TokenSource, ErrorsNameTheSource) {
  FakeHttpClient http;
  ManualClock clock;
  http.replies = {FakeReply{503u, "down"}};
  auto grant = std::make_shared<MetadataServerGrant>("127.0.0.1:1");
  TokenSource src("gcp", grant->describe(), grant, http, clock);
  auto r = testing::run<Result<std::string>>([&]() { return src.token(); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().provider, "gcp");
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().message,
            "provider gcp: could not obtain a Google access token from GCE metadata server "
            "http://127.0.0.1:1/computeMetadata/v1/instance/service-accounts/default/token: "
            "metadata server answered HTTP 503");
}

}  // namespace
}  // namespace gw::vertex
