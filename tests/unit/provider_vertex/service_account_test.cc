// Service-account key files: the fields used, and errors that name the problem but never a secret.
#include "gw/providers/vertex/service_account.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;
using testing::read_file;
using testing::read_json;
using testing::vector_path;

json::object vector_sa() {
  return read_json(vector_path("gcp_service_account_TEST_ONLY.json")).as_object();
}

std::string key_pem() {
  return std::string(vector_sa().at("private_key").as_string());
}

// No 24-byte run of the PEM's base64 body appears in `text`.
void expect_no_key_material(const std::string& text) {
  const std::string pem = key_pem();
  const size_t begin = pem.find('\n') + 1;
  for (size_t i = begin; i + 24 < pem.size() - 30; i += 24) {
    ASSERT_EQ(text.find(pem.substr(i, 24)), std::string::npos) << "key material in: " << text;
  }
  EXPECT_EQ(text.find("PRIVATE KEY-----"), std::string::npos);
}

Error parse_error(const json::object& o) {
  auto r = parse_service_account(json::serialize(o), "provider gcp: credentials file sa.json");
  EXPECT_FALSE(r.has_value());
  if (r.has_value()) {
    return {};
  }
  EXPECT_EQ(r.error().code, Code::UpstreamError);
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(r.error().message.rfind("provider gcp: credentials file sa.json: ", 0), 0u)
      << r.error().message;
  expect_no_key_material(r.error().message);
  return r.error();
}

TEST(ServiceAccount, ParsesTheVectorKeyFile) {
  auto sa = load_service_account(vector_path("gcp_service_account_TEST_ONLY.json"), "gcp");
  ASSERT_TRUE(sa.has_value()) << sa.error().message;
  EXPECT_EQ(sa->client_email, "gateway@example-project.iam.gserviceaccount.com");
  EXPECT_EQ(sa->private_key_id, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(sa->token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(sa->project_id, "example-project");
  EXPECT_TRUE(sa->key.has_key());
  EXPECT_TRUE(sa->key.sign_sha256("x").has_value());
}

TEST(ServiceAccount, TokenUriIsHonouredAndDefaulted) {
  json::object o = vector_sa();
  o["token_uri"] = "http://127.0.0.1:8123/token";
  auto sa = parse_service_account(json::serialize(o), "t");
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->token_uri, "http://127.0.0.1:8123/token");

  o.erase("token_uri");
  o.erase("private_key_id");
  sa = parse_service_account(json::serialize(o), "t");
  ASSERT_TRUE(sa.has_value());
  EXPECT_EQ(sa->token_uri, kDefaultTokenUri);
  EXPECT_EQ(sa->private_key_id, "");

  o["token_uri"] = "file:///etc/passwd";
  EXPECT_NE(parse_error(o).message.find("token_uri must be an http"), std::string::npos);
}

TEST(ServiceAccount, WrongTypeIsNamed) {
  json::object o = vector_sa();
  o["type"] = "authorized_user";
  EXPECT_NE(parse_error(o).message.find("\"authorized_user\" is not supported"), std::string::npos);
  o.erase("type");
  EXPECT_NE(parse_error(o).message.find("type is missing"), std::string::npos);
  o["type"] = 7;
  EXPECT_NE(parse_error(o).message.find("type must be a string"), std::string::npos);
}

TEST(ServiceAccount, MissingFieldsAreNamed) {
  json::object o = vector_sa();
  o.erase("client_email");
  EXPECT_NE(parse_error(o).message.find("client_email is missing"), std::string::npos);
  o = vector_sa();
  o.erase("private_key");
  EXPECT_NE(parse_error(o).message.find("private_key is missing"), std::string::npos);
}

TEST(ServiceAccount, BrokenKeyIsReportedWithoutQuotingIt) {
  json::object o = vector_sa();
  const std::string pem = key_pem();
  // Half a key: a PEM header with a truncated body, the typical copy-paste accident.
  o["private_key"] = pem.substr(0, pem.size() / 2);
  EXPECT_NE(parse_error(o).message.find("private_key could not be parsed"), std::string::npos);
  // The client_email pasted into private_key: not even PEM.
  o["private_key"] = "gateway@example-project.iam.gserviceaccount.com";
  EXPECT_NE(parse_error(o).message.find("private_key is not a PEM"), std::string::npos);
}

TEST(ServiceAccount, NotJsonIsReported) {
  auto r = parse_service_account(key_pem(), "provider gcp: credentials file sa.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("is not a JSON object"), std::string::npos);
  expect_no_key_material(r.error().message);
}

TEST(ServiceAccount, MissingFileNamesProviderAndPath) {
  auto r = load_service_account("/nonexistent/dir/sa.json", "gcp-east");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().provider, "gcp-east");
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_EQ(r.error().message,
            "provider gcp-east: credentials file /nonexistent/dir/sa.json: cannot be opened");
}

TEST(ServiceAccount, LoadErrorsCarryTheProvider) {
  json::object o = vector_sa();
  o["type"] = "external_account";
  const std::string path = ::testing::TempDir() + "sa_external.json";
  std::ofstream(path, std::ios::trunc) << json::serialize(o);
  auto r = load_service_account(path, "gcp");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().provider, "gcp");
  EXPECT_NE(r.error().message.find("provider gcp: credentials file " + path), std::string::npos);
}

}  // namespace
}  // namespace gw::vertex
