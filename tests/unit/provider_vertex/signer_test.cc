// The Vertex signer: Authorization from the token source, key-file problems as 502s per request.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>

#include "gw/providers/vertex/adc.h"
#include "gw/providers/vertex/vertex_signer.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

using testing::FakeHttpClient;
using testing::FakeReply;
using testing::token_json;

config::Provider provider(std::string credentials_file) {
  config::Provider p;
  p.name = "gcp";
  p.type = config::ProviderType::Vertex;
  p.project = "my-proj";
  p.region = "us-east5";
  p.base_url = "https://us-east5-aiplatform.googleapis.com";
  p.credentials_file = std::move(credentials_file);
  return p;
}

Result<void> sign(RequestSigner& s, UpstreamRequest& req) {
  return testing::run<Result<void>>([&]() { return s.sign(req); });
}

// The default credentials of `cfg` looked up in an environment holding `vars` and, unless they
// say otherwise, a metadata server at a closed port and a HOME without gcloud's file.
std::unique_ptr<DefaultCredentials> find_adc(const config::Config& cfg,
                                             std::map<std::string, std::string> vars = {}) {
  vars.emplace("GCE_METADATA_HOST", "127.0.0.1:9");
  vars.emplace("HOME", ::testing::TempDir() + "/no-gcloud-here");
  return DefaultCredentials::find(
      cfg,
      [vars](const std::string& k) -> std::optional<std::string> {
        auto it = vars.find(k);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
      },
      [](const std::string&, const std::string&) {});
}

TEST(VertexSigner, AddsTheBearerTokenAndReplacesAStaleOne) {
  const config::Provider p =
      provider(testing::write_key_file("sa_signer.json", "http://127.0.0.1:9/token"));
  FakeHttpClient http;
  http.replies = {FakeReply{200u, token_json("ya29.one", 3599)},
                  FakeReply{200u, token_json("ya29.two", 3599)}};
  ManualClock clock;
  auto signer = make_vertex_signer(p, http, clock);

  UpstreamRequest req;
  req.url =
      "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5/"
      "publishers/anthropic/models/m:rawPredict";
  req.headers = {{"content-type", "application/json"}, {"Authorization", "Bearer old"}};
  auto r = sign(*signer, req);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(find_header(req.headers, "authorization"), "Bearer ya29.one");
  EXPECT_EQ(std::count_if(req.headers.begin(), req.headers.end(),
                          [](const auto& h) {
                            return h.first == "authorization" || h.first == "Authorization";
                          }),
            1);
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:9/token");  // the key file's token_uri

  UpstreamRequest again;
  ASSERT_TRUE(sign(*signer, again).has_value());
  EXPECT_EQ(find_header(again.headers, "authorization"), "Bearer ya29.one");
  EXPECT_EQ(http.requests.size(), 1u);  // cached

  // Another refusal than a 401 is no token problem: the token stays.
  EXPECT_FALSE(testing::run<bool>([&]() { return signer->invalidate(again, UpstreamResponse{403u, {}, "{}"}); }));
  UpstreamRequest cached;
  ASSERT_TRUE(sign(*signer, cached).has_value());
  EXPECT_EQ(find_header(cached.headers, "authorization"), "Bearer ya29.one");
  // Vertex answered 401 with it: dropped, and the retry gets a new one.
  EXPECT_TRUE(testing::run<bool>([&]() { return signer->invalidate(again, UpstreamResponse{401u, {}, "{}"}); }));
  UpstreamRequest third;
  ASSERT_TRUE(sign(*signer, third).has_value());
  EXPECT_EQ(find_header(third.headers, "authorization"), "Bearer ya29.two");
}

TEST(VertexSigner, SignersOfOneServiceAccountShareTheToken) {
  // What every worker does: make_vertex_signer with its own HTTP client and the real clock.
  const std::string key = testing::write_key_file("sa_shared.json", "http://127.0.0.1:9/shared");
  const config::Provider a = provider(key);
  config::Provider b = provider(key);
  b.name = "gcp-other";  // another provider with the same key file shares the token too
  FakeHttpClient http1;
  FakeHttpClient http2;
  http1.replies = {FakeReply{200u, token_json("ya29.shared", 3599)}};
  auto s1 = make_vertex_signer(a, http1);
  auto s2 = make_vertex_signer(b, http2);
  UpstreamRequest r1;
  UpstreamRequest r2;
  ASSERT_TRUE(sign(*s1, r1).has_value());
  ASSERT_TRUE(sign(*s2, r2).has_value());
  EXPECT_EQ(find_header(r2.headers, "authorization"), "Bearer ya29.shared");
  EXPECT_EQ(http1.requests.size(), 1u);
  EXPECT_TRUE(http2.requests.empty());
}

TEST(VertexSigner, AMissingKeyFileFailsEachRequestWithA502NamingTheProvider) {
  const config::Provider p = provider("/nonexistent/sa.json");
  FakeHttpClient http;
  auto signer = make_vertex_signer(p, http);  // no throw, no abort: other providers keep serving
  ASSERT_NE(signer, nullptr);
  UpstreamRequest req;
  auto r = sign(*signer, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_EQ(r.error().provider, "gcp");
  EXPECT_NE(r.error().message.find("provider gcp: credentials file /nonexistent/sa.json"),
            std::string::npos);
  EXPECT_TRUE(http.requests.empty());
  EXPECT_EQ(find_header(req.headers, "authorization"), "");
}

TEST(VertexSigner, TokenEndpointRejectionIsA502WithoutSecrets) {
  const config::Provider p =
      provider(testing::write_key_file("sa_signer_bad.json", "http://127.0.0.1:9/token"));
  FakeHttpClient http;
  http.replies = {
      FakeReply{400u, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"}};
  auto signer = make_vertex_signer(p, http);
  UpstreamRequest req;
  auto r = sign(*signer, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().message.find("provider gcp: could not obtain a Google access token"),
            std::string::npos);
  EXPECT_EQ(r.error().message.find("eyJ"), std::string::npos);
  EXPECT_EQ(r.error().message.find("PRIVATE KEY"), std::string::npos);
}

// Without credentials_file: the default credentials serve found, their source named in errors.
TEST(VertexSigner, KeylessProvidersUseTheDefaultCredentials) {
  config::Config cfg;
  cfg.providers.emplace("gcp", provider(""));
  auto adc = find_adc(cfg);
  FakeHttpClient http;
  http.replies = {FakeReply{200u, token_json("ya29.gce", 3599)}, FakeReply{503u, "down"}};
  ManualClock clock;
  auto signer = make_vertex_signer(cfg.providers.at("gcp"), http, clock, adc.get());
  UpstreamRequest req;
  ASSERT_TRUE(sign(*signer, req).has_value());
  EXPECT_EQ(find_header(req.headers, "authorization"), "Bearer ya29.gce");
  EXPECT_EQ(find_header(http.requests.at(0).headers, "metadata-flavor"), "Google");

  EXPECT_TRUE(testing::run<bool>([&]() { return signer->invalidate(req, UpstreamResponse{401u, {}, "{}"}); }));
  auto r = sign(*signer, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_EQ(r.error().provider, "gcp");
  EXPECT_EQ(r.error().message.rfind("provider gcp: could not obtain a Google access token from GCE "
                                    "metadata server http://127.0.0.1:9/",
                                    0),
            0u)
      << r.error().message;

  // No lookup made (not through serve): an error, not a crash or an unauthenticated request.
  auto bare = make_vertex_signer(cfg.providers.at("gcp"), http, clock);
  r = sign(*bare, req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_NE(r.error().message.find("no Google credentials"), std::string::npos);
}

// A gcloud user's credentials name the project that pays for quota: Vertex refuses user
// credentials without x-goog-user-project. GOOGLE_CLOUD_QUOTA_PROJECT overrides it, as in the
// Google SDKs; credentials that name none (the metadata server) send none.
TEST(VertexSigner, SendsTheCredentialsQuotaProject) {
  const std::string file = ::testing::TempDir() + "/adc_quota_user.json";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(R"({"type":"authorized_user","client_id":"cid","client_secret":"csecret-123456",)"
               R"("refresh_token":"1//rt-abcdef","token_uri":"http://127.0.0.1:9/token",)"
               R"("quota_project_id":"billing-proj"})",
               f);
    std::fclose(f);
  }
  config::Config cfg;
  cfg.providers.emplace("gcp", provider(""));
  auto signed_with = [&](std::optional<std::string> override_project, std::optional<std::string> adc_file) {
    std::map<std::string, std::string> vars;
    if (override_project) {
      vars.emplace("GOOGLE_CLOUD_QUOTA_PROJECT", *override_project);
    }
    if (adc_file) {
      vars.emplace("GOOGLE_APPLICATION_CREDENTIALS", *adc_file);
    }
    auto adc = find_adc(cfg, std::move(vars));
    FakeHttpClient http;
    http.replies = {FakeReply{200u, token_json("ya29.user", 3599)}};
    ManualClock clock;
    auto signer = make_vertex_signer(cfg.providers.at("gcp"), http, clock, adc.get());
    UpstreamRequest req;
    req.headers.emplace_back("x-goog-user-project", "stale");  // a retried request's
    EXPECT_TRUE(sign(*signer, req).has_value());
    size_t n = 0;
    for (const auto& h : req.headers) {
      n += h.first == "x-goog-user-project" ? 1 : 0;
    }
    EXPECT_LE(n, 1u);
    return find_header(req.headers, "x-goog-user-project");
  };
  EXPECT_EQ(signed_with(std::nullopt, file), "billing-proj");
  EXPECT_EQ(signed_with(std::string("other-proj"), file), "other-proj");
  EXPECT_EQ(signed_with(std::nullopt, std::nullopt), "");  // the metadata server's token: none
}

}  // namespace
}  // namespace gw::vertex
