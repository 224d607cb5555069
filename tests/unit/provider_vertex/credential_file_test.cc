// Google credential files of every ADC type: which grant each becomes, and errors that name the
// field at fault without quoting any value.
#include "gw/providers/vertex/credential_file.h"

#include <gtest/gtest.h>

#include "gw/providers/vertex/grant_external_account.h"
#include "gw/providers/vertex/grant_jwt_bearer.h"
#include "gw/providers/vertex/grant_refresh_token.h"

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;

constexpr std::string_view kSecret = "1//0gREFRESH-TOKEN-never-shown";
constexpr std::string_view kClientSecret = "GOCSPX-client-secret-never-shown";

json::object authorized_user() {
  return {{"type", "authorized_user"},
          {"client_id", "123.apps.googleusercontent.com"},
          {"client_secret", kClientSecret},
          {"refresh_token", kSecret},
          {"quota_project_id", "my-proj"}};
}

json::object external_account() {
  return {{"type", "external_account"},
          {"audience", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k8s"},
          {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
          {"token_url", "http://127.0.0.1:9/v1/token"},
          {"credential_source", {{"file", "/var/run/secrets/token"}}}};
}

Result<std::shared_ptr<const TokenGrant>> parse(const json::object& o) {
  return parse_credential_file(json::serialize(o), "provider gcp: file /x.json", "file /x.json");
}

void expect_error(const json::object& o, std::string_view problem) {
  auto g = parse(o);
  ASSERT_FALSE(g.has_value()) << json::serialize(o);
  EXPECT_EQ(g.error().code, Code::UpstreamError);
  EXPECT_FALSE(g.error().retryable);
  EXPECT_NE(g.error().message.find(problem), std::string::npos) << g.error().message;
  EXPECT_EQ(g.error().message.rfind("provider gcp: file /x.json: ", 0), 0u) << g.error().message;
  EXPECT_EQ(g.error().message.find(kSecret), std::string::npos);
  EXPECT_EQ(g.error().message.find(kClientSecret), std::string::npos);
}

TEST(CredentialFile, EachTypeBecomesItsGrant) {
  json::object sa = testing::read_json(testing::vector_path("gcp_service_account_TEST_ONLY.json")).as_object();
  auto g = parse(sa);
  ASSERT_TRUE(g.has_value()) << g.error().message;
  ASSERT_NE(dynamic_cast<const JwtBearerGrant*>(g->get()), nullptr);
  EXPECT_EQ((*g)->describe(), "service account " + std::string(sa.at("client_email").as_string()) +
                                  " (file /x.json)");

  g = parse(authorized_user());
  ASSERT_TRUE(g.has_value()) << g.error().message;
  EXPECT_NE(dynamic_cast<const RefreshTokenGrant*>(g->get()), nullptr);
  EXPECT_EQ((*g)->describe(), "authorized_user refresh token (file /x.json)");

  g = parse(external_account());
  ASSERT_TRUE(g.has_value()) << g.error().message;
  EXPECT_NE(dynamic_cast<const ExternalAccountGrant*>(g->get()), nullptr);
  EXPECT_NE((*g)->describe().find("subject token file /var/run/secrets/token"), std::string::npos);
  // describe() is logged: no secret in it.
  for (const auto& o : {authorized_user(), external_account()}) {
    const std::string d = (*parse(o))->describe();
    EXPECT_EQ(d.find(kSecret), std::string::npos);
    EXPECT_EQ(d.find(kClientSecret), std::string::npos);
  }
}

TEST(CredentialFile, TypeErrors) {
  auto g = parse_credential_file("not json", "provider gcp: file /x.json", "file /x.json");
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find("is not a JSON object"), std::string::npos);
  json::object o = authorized_user();
  o.erase("type");
  expect_error(o, "type is missing");
  o["type"] = "impersonated_service_account";
  expect_error(o, "type \"impersonated_service_account\" is not supported");
  o["type"] = 7;
  expect_error(o, "type must be a string");
}

TEST(AuthorizedUser, FieldsAndDefaults) {
  auto u = parse_authorized_user(authorized_user(), "w");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->client_id, "123.apps.googleusercontent.com");
  EXPECT_EQ(u->refresh_token, kSecret);
  EXPECT_EQ(u->token_uri, "https://oauth2.googleapis.com/token");  // gcloud writes none
  json::object o = authorized_user();
  o["token_uri"] = "http://127.0.0.1:9/token";
  EXPECT_EQ(parse_authorized_user(o, "w")->token_uri, "http://127.0.0.1:9/token");
}

TEST(AuthorizedUser, Errors) {
  for (const char* key : {"client_id", "client_secret", "refresh_token"}) {
    json::object o = authorized_user();
    o.erase(key);
    expect_error(o, std::string(key) + " is missing");
    o[key] = 5;
    expect_error(o, std::string(key) + " must be a string");
  }
  json::object o = authorized_user();
  o["token_uri"] = "ftp://x";
  expect_error(o, "token_uri must be an http:// or https:// URL");
}

TEST(ExternalAccount, FieldsAndDefaults) {
  json::object o = external_account();
  o.erase("token_url");
  auto a = parse_external_account(o, "w");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->token_url, "https://sts.googleapis.com/v1/token");
  EXPECT_EQ(a->source_file, "/var/run/secrets/token");
  EXPECT_EQ(a->subject_token_field_name, "");
  EXPECT_EQ(a->service_account_impersonation_url, "");

  o["credential_source"] = {{"file", "/t.json"},
                            {"format", {{"type", "json"}, {"subject_token_field_name", "id_token"}}}};
  o["service_account_impersonation_url"] =
      "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken";
  a = parse_external_account(o, "w");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->subject_token_field_name, "id_token");
  EXPECT_NE(a->service_account_impersonation_url.find(":generateAccessToken"), std::string::npos);
}

TEST(ExternalAccount, Errors) {
  for (const char* key : {"audience", "subject_token_type"}) {
    json::object o = external_account();
    o.erase(key);
    expect_error(o, std::string(key) + " is missing");
  }
  json::object o = external_account();
  o.erase("credential_source");
  expect_error(o, "credential_source is missing");
  o["credential_source"] = {{"url", "http://169.254.169.254/token"}};
  expect_error(o, "credential_source.url is not supported (only credential_source.file is)");
  o["credential_source"] = {{"executable", {{"command", "/bin/true"}}}};
  expect_error(o, "credential_source.executable is not supported");
  o["credential_source"] = json::object{};
  expect_error(o, "credential_source.file is missing");
  o["credential_source"] = {{"file", "/t"}, {"format", {{"type", "xml"}}}};
  expect_error(o, "credential_source.format.type must be \"text\" or \"json\"");
  o["credential_source"] = {{"file", "/t"}, {"format", {{"type", "json"}}}};
  expect_error(o, "subject_token_field_name is missing");
  o = external_account();
  o["token_url"] = "sts.googleapis.com";
  expect_error(o, "token_url must be an http:// or https:// URL");
  o = external_account();
  o["service_account_impersonation_url"] = "iam";
  expect_error(o, "service_account_impersonation_url must be an http:// or https:// URL");
}

TEST(ExternalAccount, SubjectTokenAsTextOrJson) {
  ExternalAccount a = *parse_external_account(external_account(), "w");
  EXPECT_EQ(*subject_token_of(a, "  eyJ.k8s.token\n"), "eyJ.k8s.token");
  EXPECT_FALSE(subject_token_of(a, " \n").has_value());
  a.subject_token_field_name = "access_token";
  EXPECT_EQ(*subject_token_of(a, R"({"access_token":"tok-1","x":2})"), "tok-1");
  auto missing = subject_token_of(a, R"({"id_token":"secret-subject-token"})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("has no string field access_token"), std::string::npos);
  EXPECT_EQ(missing.error().message.find("secret-subject-token"), std::string::npos);
  auto bad = subject_token_of(a, "secret-subject-token");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("secret-subject-token"), std::string::npos);
}

TEST(CredentialFile, LoadNamesTheProviderAndFile) {
  auto g = load_credential_file(::testing::TempDir() + "/no-such-adc.json", "gcp", "the file");
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().provider, "gcp");
  EXPECT_EQ(g.error().message, "provider gcp: the file: cannot be opened");
}

}  // namespace
}  // namespace gw::vertex
