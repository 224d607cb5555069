// The DefaultAzureCredential order: the provider's service principal, the environment's, workload
// identity, App Service managed identity, instance metadata; half-configured sources refused.
#include "gw/providers/azure/credential_chain.h"

#include <map>

#include <gtest/gtest.h>

#include "env_of.h"

namespace gw::azure {
namespace {

using testing::env_of;

config::Provider provider(std::string secret = "") {
  config::Provider p;
  p.name = "az";
  p.type = config::ProviderType::AzureOpenAI;
  if (!secret.empty()) {
    p.tenant_id = "tenant-1";
    p.client_id = "app-1";
    p.client_secret = std::move(secret);
  }
  return p;
}

// Every source at once: each step of the chain is taken only when those before it are absent.
const std::map<std::string, std::string> kEverything = {
    {"AZURE_CLIENT_SECRET", "env-secret"},
    {"AZURE_TENANT_ID", "tenant-env"},
    {"AZURE_CLIENT_ID", "client-env"},
    {"AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"},
    {"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/"},
    {"IDENTITY_ENDPOINT", "http://localhost:42356/msi/token"},
    {"IDENTITY_HEADER", "hdr-secret"},
};

TEST(EntraChain, TheProvidersOwnServicePrincipalComesFirst) {
  auto s = choose_entra_source(provider("cfg-secret"), env_of(kEverything));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->kind, SourceKind::ClientSecret);
  EXPECT_FALSE(s->from_environment);
  EXPECT_EQ(s->client_secret, "cfg-secret");
  EXPECT_EQ(s->client_id, "app-1");
  EXPECT_EQ(s->token_url, "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
}

TEST(EntraChain, ThenTheEnvironmentsThenWorkloadThenAppServiceThenImds) {
  auto env = kEverything;
  auto s = choose_entra_source(provider(), env_of(env));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::ClientSecret);
  EXPECT_TRUE(s->from_environment);
  EXPECT_EQ(s->client_secret, "env-secret");
  EXPECT_EQ(s->token_url, "https://login.microsoftonline.com/tenant-env/oauth2/v2.0/token");

  env.erase("AZURE_CLIENT_SECRET");
  s = choose_entra_source(provider(), env_of(env));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::WorkloadIdentity);
  EXPECT_EQ(s->token_file, "/var/run/secrets/azure/tokens/azure-identity-token");
  EXPECT_EQ(s->client_id, "client-env");
  EXPECT_EQ(s->token_url, "https://login.microsoftonline.com/tenant-env/oauth2/v2.0/token");

  env.erase("AZURE_FEDERATED_TOKEN_FILE");
  s = choose_entra_source(provider(), env_of(env));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::AppServiceIdentity);
  EXPECT_EQ(s->endpoint, "http://localhost:42356/msi/token");
  EXPECT_EQ(s->identity_header, "hdr-secret");
  EXPECT_EQ(s->client_id, "client-env");  // a user-assigned identity

  env.erase("IDENTITY_ENDPOINT");
  env.erase("IDENTITY_HEADER");
  s = choose_entra_source(provider(), env_of(env));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::InstanceMetadata);
  EXPECT_EQ(s->endpoint, "http://169.254.169.254/metadata/identity/oauth2/token");
  EXPECT_EQ(s->client_id, "client-env");

  s = choose_entra_source(provider(), env_of({}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::InstanceMetadata);
  EXPECT_TRUE(s->client_id.empty());  // the system-assigned identity
}

TEST(EntraChain, AuthorityAndMetadataHostsCanBeMoved) {
  auto p = provider("cfg-secret");
  auto env = env_of({{"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us"},
                     {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:5000/"}});
  EXPECT_EQ(choose_entra_source(p, env)->token_url,
            "https://login.microsoftonline.us/tenant-1/oauth2/v2.0/token");
  p.authority_host = "http://127.0.0.1:4000";  // the config's wins
  EXPECT_EQ(choose_entra_source(p, env)->token_url,
            "http://127.0.0.1:4000/tenant-1/oauth2/v2.0/token");
  EXPECT_EQ(choose_entra_source(provider(), env)->endpoint,
            "http://127.0.0.1:5000/metadata/identity/oauth2/token");
}

TEST(EntraChain, HalfConfiguredSourcesAreErrorsNotSkipped) {
  auto err = [](std::map<std::string, std::string> env) {
    auto s = choose_entra_source(provider(), env_of(std::move(env)));
    return s ? std::string("(chosen)") : s.error().message;
  };
  EXPECT_EQ(err({{"AZURE_CLIENT_SECRET", "x"}, {"AZURE_CLIENT_ID", "c"}}),
            "AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID not");
  EXPECT_EQ(err({{"AZURE_FEDERATED_TOKEN_FILE", "/f"}}),
            "AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID and AZURE_TENANT_ID not");
  EXPECT_NE(err({{"IDENTITY_ENDPOINT", "http://localhost:1/msi"}}).find("IDENTITY_HEADER is not"),
            std::string::npos);
  EXPECT_NE(err({{"AZURE_FEDERATED_TOKEN_FILE", "/f"},
                 {"AZURE_CLIENT_ID", "c"},
                 {"AZURE_TENANT_ID", "../evil"}})
                .find("AZURE_TENANT_ID is not a tenant id"),
            std::string::npos);
  EXPECT_NE(err({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "169.254.169.254"}}).find("not an http"),
            std::string::npos);
}

TEST(EntraChain, DescriptionsNameTheSourceButNoSecret) {
  const std::string d = choose_entra_source(provider("cfg-secret"), env_of({}))->describe();
  EXPECT_NE(d.find("client secret"), std::string::npos) << d;
  EXPECT_NE(d.find("tenant-1"), std::string::npos) << d;
  EXPECT_EQ(d.find("cfg-secret"), std::string::npos) << d;
  auto app = choose_entra_source(provider(), env_of({{"IDENTITY_ENDPOINT", "http://localhost:1/msi"},
                                                     {"IDENTITY_HEADER", "hdr-secret"}}));
  EXPECT_EQ(app->describe().find("hdr-secret"), std::string::npos);
  // Different secrets are different credentials: they do not share a token.
  EXPECT_NE(choose_entra_source(provider("a"), env_of({}))->key(),
            choose_entra_source(provider("b"), env_of({}))->key());
}

}  // namespace
}  // namespace gw::azure
