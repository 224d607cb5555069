// The shipped example files must always load: they are what a new user runs first.
#include <gtest/gtest.h>

#include "gw/config/load.h"
#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::env_of;

const std::string kExamples = std::string(GW_SOURCE_DIR) + "/config/examples/";

TEST(Examples, QuickstartLoadsOffline) {
  auto r = load_config_file(kExamples + "quickstart.yaml", env_of({}));
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.source_file, kExamples + "quickstart.yaml");
  EXPECT_EQ(c.listen, "127.0.0.1:4000");
  EXPECT_EQ(c.master_key, "sk-demo-master");
  EXPECT_EQ(c.ledger, "sqlite://switchyard-demo.db");
  ASSERT_NE(c.provider("emulator-openai"), nullptr);
  EXPECT_EQ(c.provider("emulator-openai")->type, ProviderType::OpenAI);
  EXPECT_EQ(c.provider("emulator-openai")->base_url, "http://127.0.0.1:4010/v1");
  ASSERT_NE(c.provider("emulator-anthropic"), nullptr);
  EXPECT_EQ(c.provider("emulator-anthropic")->type, ProviderType::Anthropic);
  EXPECT_EQ(c.provider("emulator-anthropic")->base_url, "http://127.0.0.1:4010");
  EXPECT_EQ(c.provider("emulator-anthropic")->api_key, "demo");
  ASSERT_NE(c.model("demo-gpt"), nullptr);
  EXPECT_EQ(c.model("demo-gpt")->route, RouteStrategy::Priority);
  EXPECT_EQ(c.model("demo-gpt")->deployments.size(), 2u);
  ASSERT_NE(c.model("demo-claude"), nullptr);
  EXPECT_GT(c.model("demo-claude")->deployments.at(0).price.output, 0);
  ASSERT_EQ(c.keys.size(), 1u);
  EXPECT_EQ(c.keys[0].name, "demo");
  EXPECT_EQ(c.keys[0].key, "sk-demo-key");
}

TEST(Examples, QuickstartMasterKeyComesFromTheEnvironment) {
  auto r = load_config_file(kExamples + "quickstart.yaml",
                            env_of({{"SWITCHYARD_MASTER_KEY", "sk-mine"}}));
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  EXPECT_EQ(r.config->master_key, "sk-mine");
}

TEST(Examples, FullLoadsWithDefaults) {
  auto r = load_config_file(kExamples + "full.yaml", env_of({}));
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  const Config& c = *r.config;
  EXPECT_TRUE(c.master_key.empty());  // admin API disabled without SWITCHYARD_MASTER_KEY
  for (auto t : {ProviderType::OpenAI, ProviderType::AzureOpenAI, ProviderType::Anthropic,
                 ProviderType::Bedrock, ProviderType::Vertex}) {
    bool found = false;
    for (const auto& [name, p] : c.providers) {
      found = found || p.type == t;
    }
    EXPECT_TRUE(found) << to_string(t);
  }
  EXPECT_EQ(c.provider("aws-east")->base_url, "https://bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(c.provider("gcp")->base_url, "https://us-east5-aiplatform.googleapis.com");
  EXPECT_EQ(c.provider("gcp-global")->base_url, "https://aiplatform.googleapis.com");
  EXPECT_EQ(c.model("claude-sonnet")->deployments.size(), 3u);
  EXPECT_EQ(c.model("claude-sonnet")->deployments[0].price.input, 3'000'000);
  EXPECT_EQ(c.model("gemini-flash")->deployments[0].price.input, 75'000);
  EXPECT_EQ(c.model("claude-sonnet-batch")->route, RouteStrategy::Commitment);
  EXPECT_EQ(c.provider("aws-east")->commitment, "aws-edp");
  // No static keys: the AWS default credential chain at `serve`.
  EXPECT_TRUE(c.provider("aws-west")->access_key_id.empty());
  EXPECT_EQ(c.provider("aws-west")->commitment, "aws-edp");
  // Microsoft Entra ID instead of an api key: a service principal.
  EXPECT_TRUE(c.provider("azure-entra")->api_key.empty());
  EXPECT_EQ(c.provider("azure-entra")->tenant_id, "72f988bf-86f1-41af-91ab-2d7cd011db47");
  EXPECT_FALSE(c.provider("azure-entra")->client_secret.empty());
}

TEST(Examples, FullTakesSecretsFromTheEnvironment) {
  auto r = load_config_file(kExamples + "full.yaml",
                            env_of({{"SWITCHYARD_MASTER_KEY", "sk-m"},
                                    {"ANTHROPIC_API_KEY", "sk-ant-real"},
                                    {"AWS_ACCESS_KEY_ID", "AKIAREAL"},
                                    {"AWS_SECRET_ACCESS_KEY", "real-secret"},
                                    {"AWS_SESSION_TOKEN", "tok"},
                                    {"TEAM_A_KEY", "sk-team-a"},
                                    {"SWITCHYARD_LEDGER", "postgres://u:p@h:5432/d"}}));
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.master_key, "sk-m");
  EXPECT_EQ(c.ledger, "postgres://u:p@h:5432/d");
  EXPECT_EQ(c.provider("anthropic-direct")->api_key, "sk-ant-real");
  EXPECT_EQ(c.provider("aws-east")->access_key_id, "AKIAREAL");
  EXPECT_EQ(c.provider("aws-east")->session_token, "tok");
  EXPECT_EQ(c.keys.at(0).key, "sk-team-a");
}

}  // namespace
}  // namespace gw::config
