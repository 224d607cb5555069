// Start-up: which providers get an Entra ID source, which share one, and the start refused with
// the provider named when nothing can supply a token.
#include "gw/providers/azure/entra_credentials.h"

#include <map>

#include <gtest/gtest.h>

#include "env_of.h"

namespace gw::azure {
namespace {

using testing::env_of;

config::Provider azure(std::string name, std::string api_key = "") {
  config::Provider p;
  p.name = std::move(name);
  p.type = config::ProviderType::AzureOpenAI;
  p.base_url = "https://r.openai.azure.com";
  p.api_key = std::move(api_key);
  return p;
}

// A loopback port nothing listens on: connections are refused at once.
constexpr const char* kClosed = "http://127.0.0.1:1";

TEST(EntraCredentials, NoSourceAndNoInstanceMetadataStopsTheStart) {
  config::Config cfg;
  cfg.providers.emplace("keyed", azure("keyed", "k"));
  cfg.providers.emplace("az-prod", azure("az-prod"));
  try {
    EntraCredentials::start(cfg, env_of({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", kClosed}}),
                            real_clock(), nullptr);
    FAIL() << "started without any source";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("provider az-prod (azure_openai, no api_key): no Microsoft Entra ID "
                      "credentials found",
                      0),
              0u)
        << m;
    EXPECT_NE(m.find("127.0.0.1:1/metadata/identity/oauth2/token unreachable"), std::string::npos)
        << m;
  }
}

TEST(EntraCredentials, AHalfConfiguredEnvironmentStopsTheStart) {
  config::Config cfg;
  cfg.providers.emplace("az", azure("az"));
  EXPECT_THROW(EntraCredentials::start(cfg, env_of({{"AZURE_FEDERATED_TOKEN_FILE", "/f"}}),
                                       real_clock(), nullptr),
               std::runtime_error);
}

TEST(EntraCredentials, ANamedSourceThatIsDownIsLoggedAndShared) {
  config::Config cfg;
  cfg.providers.emplace("keyed", azure("keyed", "k"));
  cfg.providers.emplace("a", azure("a"));
  cfg.providers.emplace("b", azure("b"));
  std::vector<std::string> logged;
  auto set = EntraCredentials::start(
      cfg,
      env_of({{"AZURE_CLIENT_SECRET", "env-secret-value"},
              {"AZURE_TENANT_ID", "t"},
              {"AZURE_CLIENT_ID", "c"},
              {"AZURE_AUTHORITY_HOST", kClosed}}),
      real_clock(), [&](const std::string& ev, const std::string& d) { logged.push_back(ev + " " + d); });
  EXPECT_EQ(set->for_provider("keyed"), nullptr);
  ASSERT_NE(set->for_provider("a"), nullptr);
  EXPECT_EQ(set->for_provider("a"), set->for_provider("b"));  // one token for both
  EXPECT_EQ(set->for_provider("a")->spec.kind, SourceKind::ClientSecret);
  bool unavailable = false;
  for (const auto& l : logged) {
    EXPECT_EQ(l.find("env-secret-value"), std::string::npos) << l;
    unavailable = unavailable || l.rfind("azure_credentials_unavailable provider a:", 0) == 0;
  }
  EXPECT_TRUE(unavailable);
}

}  // namespace
}  // namespace gw::azure
