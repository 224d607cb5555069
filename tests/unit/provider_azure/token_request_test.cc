// The token requests on the wire: form bodies of the client credentials grants, the managed
// identity GETs with their headers.
#include "gw/providers/azure/token_request.h"

#include <gtest/gtest.h>

namespace gw::azure {
namespace {

std::string header(const UpstreamRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return "(absent)";
}

TEST(EntraTokenRequest, ClientSecretForm) {
  EXPECT_EQ(client_secret_body("app-1", "s3cr=t&x+y"),
            "grant_type=client_credentials&client_id=app-1&client_secret=s3cr%3Dt%26x%2By"
            "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default");
  EntraSourceSpec s;
  s.kind = SourceKind::ClientSecret;
  s.token_url = "https://login.microsoftonline.com/t/oauth2/v2.0/token";
  s.client_id = "app-1";
  s.client_secret = "x";
  const UpstreamRequest r = token_request(s);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, s.token_url);
  EXPECT_EQ(header(r, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body, client_secret_body("app-1", "x"));
}

TEST(EntraTokenRequest, WorkloadIdentityForm) {
  EXPECT_EQ(client_assertion_body("app-1", "eyJhbGc.eyJzdWIi.sig-_"),
            "grant_type=client_credentials&client_id=app-1"
            "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
            "&client_assertion=eyJhbGc.eyJzdWIi.sig-_"
            "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default");
  EntraSourceSpec s;
  s.kind = SourceKind::WorkloadIdentity;
  s.token_url = "http://127.0.0.1:9/t/oauth2/v2.0/token";
  s.client_id = "app-1";
  const UpstreamRequest r = token_request(s, "the.federated.token");
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, client_assertion_body("app-1", "the.federated.token"));
}

TEST(EntraTokenRequest, InstanceMetadataGet) {
  EntraSourceSpec s;
  s.kind = SourceKind::InstanceMetadata;
  s.endpoint = "http://169.254.169.254/metadata/identity/oauth2/token";
  UpstreamRequest r = token_request(s);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
            "&resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(header(r, "metadata"), "true");
  EXPECT_TRUE(r.body.empty());
  s.client_id = "user-assigned-1";
  r = token_request(s);
  EXPECT_TRUE(r.url.ends_with("&client_id=user-assigned-1")) << r.url;
}

TEST(EntraTokenRequest, AppServiceGet) {
  EntraSourceSpec s;
  s.kind = SourceKind::AppServiceIdentity;
  s.endpoint = "http://localhost:42356/msi/token";
  s.identity_header = "hdr";
  const UpstreamRequest r = token_request(s);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "http://localhost:42356/msi/token?api-version=2019-08-01"
            "&resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(header(r, "x-identity-header"), "hdr");
  EXPECT_EQ(header(r, "metadata"), "(absent)");
  s.endpoint = "http://localhost:42356/msi/token?x=1";  // a query of its own: appended to
  EXPECT_EQ(token_request(s).url.rfind("http://localhost:42356/msi/token?x=1&api-version=", 0), 0u);
}

}  // namespace
}  // namespace gw::azure
