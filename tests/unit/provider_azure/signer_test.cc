// The Entra ID signer against a scripted token endpoint: the bearer header in place of api-key,
// the token cached and refreshed ahead of expiry (5 min, or half a short lifetime), invalidate
// after a 401, the federated token file re-read, and failures that name the provider only.
#include "gw/providers/azure/azure_signer.h"

#include <fstream>

#include <gtest/gtest.h>

#include "fake_http_client.h"

namespace gw::azure {
namespace {

using namespace std::chrono_literals;
using fake_http::FakeHttpClient;
using fake_http::FakeReply;

std::string entra_json(std::string_view token, int expires_in) {
  return R"({"token_type":"Bearer","expires_in":)" + std::to_string(expires_in) +
         R"(,"ext_expires_in":3599,"access_token":")" + std::string(token) + R"("})";
}

// An instance metadata answer: strings throughout, expires_on in epoch seconds.
std::string imds_json(std::string_view token, SystemTime now, int lifetime_s) {
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return R"({"access_token":")" + std::string(token) + R"(","expires_on":")" +
         std::to_string(now_s + lifetime_s) +
         R"(","resource":"https://cognitiveservices.azure.com","token_type":"Bearer"})";
}

EntraSource source_of(EntraSourceSpec spec) {
  auto opts = token_options(spec);
  return EntraSource{std::move(spec), std::make_shared<oauth::SharedTokenCache>(), opts};
}

EntraSourceSpec client_secret_spec() {
  EntraSourceSpec s;
  s.kind = SourceKind::ClientSecret;
  s.token_url = "http://127.0.0.1:9/tenant-1/oauth2/v2.0/token";
  s.tenant_id = "tenant-1";
  s.client_id = "app-1";
  s.client_secret = "very-secret-client-secret";
  return s;
}

class EntraSignerTest : public ::testing::Test {
 protected:
  void make(EntraSourceSpec spec) {
    src_ = std::make_unique<EntraSource>(source_of(std::move(spec)));
    config::Provider p;
    p.name = "az";
    p.type = config::ProviderType::AzureOpenAI;
    signer_ = make_entra_signer(p, src_.get(), http_, clock_);
  }

  Result<UpstreamRequest> sign() {
    UpstreamRequest req;
    req.url = "https://r.openai.azure.com/openai/deployments/gpt/chat/completions?api-version=v";
    req.headers.emplace_back("api-key", "stale");
    req.headers.emplace_back("content-type", "application/json");
    auto r = fake_http::run<Result<void>>([&]() { return signer_->sign(req); });
    if (!r) {
      return r.error();
    }
    return req;
  }

  std::string bearer() {
    auto r = sign();
    if (!r) {
      return "error: " + r.error().message;
    }
    for (const auto& [k, v] : r->headers) {
      if (k == "authorization") {
        return v;
      }
    }
    return "(none)";
  }

  FakeHttpClient http_;
  ManualClock clock_;
  std::unique_ptr<EntraSource> src_;
  std::unique_ptr<RequestSigner> signer_;
};

TEST_F(EntraSignerTest, BearerTokenReplacesTheApiKey) {
  make(client_secret_spec());
  http_.replies = {FakeReply{200u, entra_json("tok-1", 3599)}};
  auto r = sign();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  int auth = 0;
  for (const auto& [k, v] : r->headers) {
    EXPECT_NE(k, "api-key");
    if (k == "authorization") {
      EXPECT_EQ(v, "Bearer tok-1");
      ++auth;
    }
  }
  EXPECT_EQ(auth, 1);
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].url, "http://127.0.0.1:9/tenant-1/oauth2/v2.0/token");
  EXPECT_NE(http_.requests[0].body.find("client_secret=very-secret-client-secret"),
            std::string::npos);
}

TEST_F(EntraSignerTest, CachedUntilFiveMinutesBeforeExpiry) {
  make(client_secret_spec());
  http_.replies = {FakeReply{200u, entra_json("tok-1", 3600)},
                   FakeReply{200u, entra_json("tok-2", 3600)}};
  EXPECT_EQ(bearer(), "Bearer tok-1");
  clock_.advance(55min - 1s);
  EXPECT_EQ(bearer(), "Bearer tok-1");
  EXPECT_EQ(http_.requests.size(), 1u);
  clock_.advance(2s);
  EXPECT_EQ(bearer(), "Bearer tok-2");
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(EntraSignerTest, ManagedIdentityExpiresOnAndShortLifetimes) {
  EntraSourceSpec s;
  s.kind = SourceKind::InstanceMetadata;
  s.endpoint = "http://127.0.0.1:9/metadata/identity/oauth2/token";
  make(s);
  // A 4-minute token: refreshed at half its life, not at once.
  http_.replies = {FakeReply{200u, imds_json("mi-1", clock_.now(), 240)},
                   FakeReply{200u, imds_json("mi-2", clock_.now() + 121s, 240)}};
  EXPECT_EQ(bearer(), "Bearer mi-1");
  clock_.advance(119s);
  EXPECT_EQ(bearer(), "Bearer mi-1");
  EXPECT_EQ(http_.requests.size(), 1u);
  clock_.advance(2s);
  EXPECT_EQ(bearer(), "Bearer mi-2");
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.requests[0].method, "GET");
}

TEST_F(EntraSignerTest, InvalidateAfterA401FetchesANewToken) {
  make(client_secret_spec());
  http_.replies = {FakeReply{200u, entra_json("tok-1", 3600)},
                   FakeReply{200u, entra_json("tok-2", 3600)}};
  EXPECT_EQ(bearer(), "Bearer tok-1");
  const UpstreamRequest sent;
  EXPECT_FALSE(fake_http::run<bool>([&]() { return signer_->invalidate(sent, UpstreamResponse{403u, {}, "{}"}); }))
      << "a 403 is the identity's missing role, not its token";
  EXPECT_EQ(bearer(), "Bearer tok-1");
  EXPECT_TRUE(fake_http::run<bool>([&]() { return signer_->invalidate(sent, UpstreamResponse{401u, {}, "{}"}); }));
  EXPECT_EQ(bearer(), "Bearer tok-2");
  EXPECT_EQ(bearer(), "Bearer tok-2");
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(EntraSignerTest, WorkloadIdentityReadsTheTokenFileForEveryExchange) {
  const std::string file = ::testing::TempDir() + "azure-federated-token";
  std::ofstream(file, std::ios::trunc) << "eyJfirst.federated.token\n";
  EntraSourceSpec s;
  s.kind = SourceKind::WorkloadIdentity;
  s.token_url = "http://127.0.0.1:9/tenant-1/oauth2/v2.0/token";
  s.client_id = "app-1";
  s.token_file = file;
  make(s);
  http_.replies = {FakeReply{200u, entra_json("tok-1", 3600)},
                   FakeReply{200u, entra_json("tok-2", 3600)}};
  EXPECT_EQ(bearer(), "Bearer tok-1");
  EXPECT_NE(http_.requests[0].body.find("&client_assertion=eyJfirst.federated.token&"),
            std::string::npos)
      << http_.requests[0].body;
  std::ofstream(file, std::ios::trunc) << "eyJsecond.federated.token";  // kubelet rotated it
  clock_.advance(56min);
  EXPECT_EQ(bearer(), "Bearer tok-2");
  EXPECT_NE(http_.requests[1].body.find("&client_assertion=eyJsecond.federated.token&"),
            std::string::npos);

  std::remove(file.c_str());
  clock_.advance(61min);  // expired: a refresh is needed and the file is gone
  auto r = sign();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("cannot read the federated token file " + file), std::string::npos)
      << r.error().message;
}

TEST_F(EntraSignerTest, TokenEndpointFailuresNameTheProviderButNoSecret) {
  make(client_secret_spec());
  Error refused = make_error(Code::UpstreamError, "connect: Connection refused");
  refused.retryable = true;
  http_.replies = {FakeReply{refused, ""}};
  auto r = sign();
  ASSERT_FALSE(r.has_value());
  const Error& e = r.error();
  EXPECT_EQ(e.http_status(), 502u);
  EXPECT_EQ(e.provider, "az");
  EXPECT_EQ(e.message.rfind("provider az: could not obtain a Microsoft Entra ID token (client "
                            "secret): token endpoint http://127.0.0.1:9/tenant-1/oauth2/v2.0/token "
                            "unreachable",
                            0),
            0u)
      << e.message;
  EXPECT_EQ(e.message.find("very-secret"), std::string::npos);

  http_.replies = {FakeReply{
      401u, R"({"error":"invalid_client","error_description":"echo very-secret-client-secret"})"}};
  r = sign();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find("very-secret"), std::string::npos) << r.error().message;
}

TEST(EntraSignerWithoutSource, EveryRequestFailsNamingTheProvider) {
  FakeHttpClient http;
  config::Provider p;
  p.name = "az";
  auto signer = make_entra_signer(p, nullptr, http, real_clock());
  UpstreamRequest req;
  auto r = fake_http::run<Result<void>>([&]() { return signer->sign(req); });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("provider az"), std::string::npos);
  EXPECT_FALSE(fake_http::run<bool>([&]() { return signer->invalidate(req, UpstreamResponse{401u, {}, "{}"}); }));
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace gw::azure
