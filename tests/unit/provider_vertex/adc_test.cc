// The Application Default Credentials order: GOOGLE_APPLICATION_CREDENTIALS, gcloud's well-known
// file (CLOUDSDK_CONFIG or $HOME/.config/gcloud), then the metadata server (GCE_METADATA_HOST).
#include "gw/providers/vertex/adc.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

const std::string kUserJson =
    R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";

std::string write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

std::string describe(const Result<std::shared_ptr<const TokenGrant>>& g) {
  return g ? (*g)->describe() : "error: " + g.error().message;
}

class Adc : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = ::testing::TempDir() + "/adc-home-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(home_);
  }
  std::string well_known() const {
    return home_ + "/.config/gcloud/application_default_credentials.json";
  }
  std::string home_;
};

TEST_F(Adc, TheMetadataServerWhenNothingElseIsThere) {
  EXPECT_EQ(describe(find_default_credentials(env_of({{"HOME", home_}}), "gcp")),
            "GCE metadata server http://metadata.google.internal/computeMetadata/v1/instance/"
            "service-accounts/default/token");
  EXPECT_EQ(describe(find_default_credentials(
                env_of({{"HOME", home_}, {"GCE_METADATA_HOST", "127.0.0.1:5555"}}), "gcp")),
            "GCE metadata server http://127.0.0.1:5555/computeMetadata/v1/instance/"
            "service-accounts/default/token");
}

TEST_F(Adc, TheWellKnownFileBeforeTheMetadataServer) {
  write(well_known(), kUserJson);
  EXPECT_EQ(describe(find_default_credentials(
                env_of({{"HOME", home_}, {"GCE_METADATA_HOST", "127.0.0.1:5555"}}), "gcp")),
            "authorized_user refresh token (gcloud application default credentials " +
                well_known() + ")");
  // CLOUDSDK_CONFIG moves gcloud's directory, as it does for gcloud.
  const std::string other = home_ + "/gcloud-elsewhere";
  write(other + "/application_default_credentials.json", kUserJson);
  EXPECT_EQ(well_known_credentials_path(env_of({{"HOME", home_}, {"CLOUDSDK_CONFIG", other}})),
            other + "/application_default_credentials.json");
  EXPECT_EQ(well_known_credentials_path(env_of({})), "");
}

TEST_F(Adc, TheEnvironmentVariableFirst) {
  write(well_known(), kUserJson);
  json::object sa =
      testing::read_json(testing::vector_path("gcp_service_account_TEST_ONLY.json")).as_object();
  const std::string path = write(home_ + "/sa.json", json::serialize(sa));
  auto g = find_default_credentials(
      env_of({{"HOME", home_}, {"GOOGLE_APPLICATION_CREDENTIALS", path}}), "gcp");
  EXPECT_EQ(describe(g), "service account " + std::string(sa.at("client_email").as_string()) +
                             " (GOOGLE_APPLICATION_CREDENTIALS file " + path + ")");
}

TEST_F(Adc, ABadFileIsAnErrorNotAFallThrough) {
  // The SDKs' rule: a credential the operator named must work; using another identity instead
  // would hide the mistake.
  auto g = find_default_credentials(
      env_of({{"HOME", home_}, {"GOOGLE_APPLICATION_CREDENTIALS", home_ + "/missing.json"}}), "gcp");
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().provider, "gcp");
  EXPECT_EQ(g.error().message, "provider gcp: GOOGLE_APPLICATION_CREDENTIALS file " + home_ +
                                   "/missing.json: cannot be opened");
  write(well_known(), R"({"type":"authorized_user","client_id":"c"})");
  g = find_default_credentials(env_of({{"HOME", home_}}), "gcp");
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find("client_secret is missing"), std::string::npos);
}

TEST_F(Adc, OneLookupPerKeylessVertexProviderEachLogged) {
  config::Config cfg;
  config::Provider keyless;
  keyless.type = config::ProviderType::Vertex;
  keyless.name = "adc";
  config::Provider keyed = keyless;
  keyed.name = "keyed";
  keyed.credentials_file = "/sa.json";
  config::Provider other;
  other.type = config::ProviderType::OpenAI;
  other.name = "oa";
  cfg.providers = {{"adc", keyless}, {"keyed", keyed}, {"oa", other}};
  std::vector<std::pair<std::string, std::string>> logged;
  auto set = DefaultCredentials::find(
      cfg, env_of({{"HOME", home_}, {"GCE_METADATA_HOST", "127.0.0.1:5555"}}),
      [&](const std::string& e, const std::string& d) { logged.emplace_back(e, d); });
  ASSERT_NE(set->for_provider("adc"), nullptr);
  EXPECT_TRUE(set->for_provider("adc")->has_value());
  EXPECT_EQ(set->for_provider("keyed"), nullptr);
  EXPECT_EQ(set->for_provider("oa"), nullptr);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].first, "gcp_credentials");
  EXPECT_EQ(logged[0].second,
            "provider adc: GCE metadata server http://127.0.0.1:5555/computeMetadata/v1/instance/"
            "service-accounts/default/token");
}

}  // namespace
}  // namespace gw::vertex
