// The loader: values and defaults filled in, and every problem reported with its line and key.
#include "gw/config/load.h"

#include <gtest/gtest.h>

#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::has_problem;
using testing::load;

const Config& ok(const LoadResult& r) {
  EXPECT_TRUE(r.problems.empty()) << all_problems(r);
  static const Config kEmpty;
  return r.config ? *r.config : kEmpty;
}

TEST(LoadConfig, EmptyDocumentGivesDefaults) {
  auto r = load("# nothing but a comment\n");
  const Config& c = ok(r);
  EXPECT_EQ(c.source_file, "test.yaml");
  EXPECT_EQ(c.listen, "127.0.0.1:4000");
  EXPECT_EQ(c.ledger, "sqlite://switchyard.db");
  EXPECT_EQ(c.ledger_sync, LedgerSync::Strict);
  EXPECT_EQ(c.limits, "memory");
  EXPECT_EQ(c.max_body_bytes, 10u * 1024 * 1024);
  EXPECT_TRUE(c.master_key.empty());
  EXPECT_TRUE(c.providers.empty());
}

TEST(LoadConfig, TopLevelSettings) {
  auto r = load(R"(listen: 0.0.0.0:8080
master_key: ${MK}
ledger: postgres://gw:pw@db:5432/gw
ledger_sync: relaxed
limits: redis://cache:6379
max_body_bytes: ${BODY:-100}
max_header_bytes: 16384
read_timeout_ms: 1500
drain_timeout_ms: 0
write_timeout_ms: 5000
stream_keepalive_ms: 0
workers: 4
)",
                {{"MK", "sk-master"}});
  const Config& c = ok(r);
  EXPECT_EQ(c.listen, "0.0.0.0:8080");
  EXPECT_EQ(c.master_key, "sk-master");
  EXPECT_EQ(c.ledger, "postgres://gw:pw@db:5432/gw");
  EXPECT_EQ(c.ledger_sync, LedgerSync::Relaxed);
  EXPECT_EQ(c.limits, "redis://cache:6379");
  EXPECT_EQ(c.max_body_bytes, 100u);  // expanded before conversion
  EXPECT_EQ(c.max_header_bytes, 16384u);
  EXPECT_EQ(c.read_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.drain_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(c.write_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.stream_keepalive, std::chrono::milliseconds(0));  // 0: never
  EXPECT_EQ(c.workers, 4);
}

TEST(LoadConfig, ExpansionFeedsNumbers) {
  auto r = load("max_body_bytes: ${BODY:-100}\nlisten: '[::1]:${PORT}'\n",
                {{"BODY", "2048"}, {"PORT", "0"}});
  const Config& c = ok(r);
  EXPECT_EQ(c.max_body_bytes, 2048u);
  EXPECT_EQ(c.listen, "[::1]:0");
}

TEST(LoadConfig, EveryProviderTypeWithDefaults) {
  auto r = load(R"(providers:
  oa:
    type: openai
    base_url: http://127.0.0.1:8000/v1/
  az:
    type: azure_openai
    base_url: https://res.openai.azure.com
    api_key: ${AZ_KEY}
    api_version: 2024-10-21
    headers: { x-extra: "1" }
  an:
    type: anthropic
    api_key: sk-ant
    first_byte_timeout_ms: 90000
  an2:
    type: anthropic
    api_key: sk-ant
    anthropic_version: "2024-01-01"
    base_url: http://127.0.0.1:4010//
  br:
    type: bedrock
    region: eu-west-1
    access_key_id: AKIA
    secret_access_key: shh
  vx:
    type: vertex
    project: p
    region: us-east5
    credentials_file: /sa.json
  vg:
    type: vertex
    project: p
    region: global
    credentials_file: /sa.json
    connect_timeout_ms: 250
    idle_timeout_ms: 7000
)",
                {{"AZ_KEY", "az-secret"}});
  const Config& c = ok(r);
  ASSERT_EQ(c.providers.size(), 7u);
  EXPECT_EQ(c.provider("oa")->type, ProviderType::OpenAI);
  EXPECT_EQ(c.provider("oa")->base_url, "http://127.0.0.1:8000/v1");
  EXPECT_TRUE(c.provider("oa")->api_key.empty());
  EXPECT_EQ(c.provider("oa")->line, 2);
  EXPECT_EQ(c.provider("az")->type, ProviderType::AzureOpenAI);
  EXPECT_EQ(c.provider("az")->api_key, "az-secret");
  EXPECT_EQ(c.provider("az")->api_version, "2024-10-21");
  EXPECT_EQ(c.provider("az")->headers.at("x-extra"), "1");
  EXPECT_EQ(c.provider("an")->base_url, "https://api.anthropic.com");
  EXPECT_EQ(c.provider("an")->api_version, "2023-06-01");
  EXPECT_EQ(c.provider("an")->first_byte_timeout, std::chrono::milliseconds(90000));
  EXPECT_EQ(c.provider("an")->connect_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.provider("an2")->api_version, "2024-01-01");
  EXPECT_EQ(c.provider("an2")->base_url, "http://127.0.0.1:4010");
  EXPECT_EQ(c.provider("br")->base_url, "https://bedrock-runtime.eu-west-1.amazonaws.com");
  EXPECT_EQ(c.provider("br")->region, "eu-west-1");
  EXPECT_EQ(c.provider("br")->access_key_id, "AKIA");
  EXPECT_EQ(c.provider("br")->secret_access_key, "shh");
  EXPECT_TRUE(c.provider("br")->session_token.empty());
  EXPECT_EQ(c.provider("vx")->base_url, "https://us-east5-aiplatform.googleapis.com");
  EXPECT_EQ(c.provider("vx")->project, "p");
  EXPECT_EQ(c.provider("vx")->credentials_file, "/sa.json");
  EXPECT_EQ(c.provider("vg")->base_url, "https://aiplatform.googleapis.com");
  EXPECT_EQ(c.provider("vg")->connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.provider("vg")->idle_timeout, std::chrono::milliseconds(7000));
}

TEST(LoadConfig, BaseUrlOverridesTheVendorDefault) {
  auto r = load(R"(providers:
  br:
    type: bedrock
    region: us-east-1
    access_key_id: a
    secret_access_key: b
    base_url: http://127.0.0.1:9000/
)");
  EXPECT_EQ(ok(r).provider("br")->base_url, "http://127.0.0.1:9000");
}

TEST(LoadConfig, MaxTokensFieldDefaultsByUpstreamAndCanBeSet) {
  auto r = load(R"(providers:
  openai: { type: openai, base_url: "https://api.openai.com/v1", api_key: k }
  vllm: { type: openai, base_url: "http://127.0.0.1:8000/v1" }
  lookalike: { type: openai, base_url: "https://api.openai.com.example.net/v1" }
  old-server: { type: openai, base_url: "https://api.openai.com/v1", max_tokens_field: max_tokens }
  new-server: { type: openai, base_url: "http://vllm/v1", max_tokens_field: max_completion_tokens }
  az-new: { type: azure_openai, base_url: "https://r.openai.azure.com", api_key: k, api_version: 2024-10-21 }
  az-old: { type: azure_openai, base_url: "https://r.openai.azure.com", api_key: k, api_version: 2024-02-01 }
)");
  const Config& c = ok(r);
  EXPECT_EQ(c.provider("openai")->max_tokens_field, MaxTokensField::MaxCompletionTokens);
  EXPECT_EQ(c.provider("vllm")->max_tokens_field, MaxTokensField::Auto);
  EXPECT_EQ(c.provider("lookalike")->max_tokens_field, MaxTokensField::Auto);
  EXPECT_EQ(c.provider("old-server")->max_tokens_field, MaxTokensField::MaxTokens);
  EXPECT_EQ(c.provider("new-server")->max_tokens_field, MaxTokensField::MaxCompletionTokens);
  EXPECT_EQ(c.provider("az-new")->max_tokens_field, MaxTokensField::MaxCompletionTokens);
  EXPECT_EQ(c.provider("az-old")->max_tokens_field, MaxTokensField::Auto);
}

// protocols.md 5.1: the multi-region locations have hosts of their own; there is no
// us-aiplatform.googleapis.com or eu-aiplatform.googleapis.com.
TEST(LoadConfig, VertexMultiRegionsUseTheirRepHosts) {
  auto r = load(R"(providers:
  vus:
    type: vertex
    project: p
    region: us
    credentials_file: /sa.json
  veu:
    type: vertex
    project: p
    region: eu
    credentials_file: /sa.json
  vre:
    type: vertex
    project: p
    region: europe-west1
    credentials_file: /sa.json
)");
  const Config& c = ok(r);
  EXPECT_EQ(c.provider("vus")->base_url, "https://aiplatform.us.rep.googleapis.com");
  EXPECT_EQ(c.provider("veu")->base_url, "https://aiplatform.eu.rep.googleapis.com");
  EXPECT_EQ(c.provider("vre")->base_url, "https://europe-west1-aiplatform.googleapis.com");
}

TEST(LoadConfig, CommitmentsNameTheirProviders) {
  auto r = load(R"(providers:
  aws-east: { type: openai, base_url: http://a/v1 }
  aws-west: { type: openai, base_url: http://b/v1 }
  direct: { type: anthropic, api_key: k }
commitments:
  aws-edp:
    usd: 250000.50
    period: year
    providers: [aws-east, aws-west]
models:
  m:
    route: commitment
    deployments:
      - { provider: direct, model: x, price: { input: 1, output: 1 } }
      - { provider: aws-west, model: y, price: { input: 1, output: 1 } }
)");
  const Config& c = ok(r);
  ASSERT_EQ(c.commitments.size(), 1u);
  const Commitment& edp = c.commitments.at("aws-edp");
  EXPECT_EQ(edp.nano_usd, 250000500000000);
  EXPECT_EQ(edp.period, BudgetPeriod::Year);
  EXPECT_EQ(edp.providers, (std::vector<std::string>{"aws-east", "aws-west"}));
  EXPECT_EQ(c.provider("aws-east")->commitment, "aws-edp");
  EXPECT_EQ(c.provider("aws-west")->commitment, "aws-edp");
  EXPECT_EQ(c.provider("direct")->commitment, "");
  EXPECT_EQ(c.model("m")->route, RouteStrategy::Commitment);
}

constexpr const char* kModels = R"(providers:
  p1: { type: openai, base_url: http://a/v1 }
  p2: { type: anthropic, api_key: k }
models:
  m:
    route: cost
    max_attempts: 2
    deployments:
      - provider: p1
        model: up-1
        price: { input: 0.075, output: 15, cache_read: 3.00, cache_write: 15.5, cache_write_1h: 0.15 }
        rpm: 500
        tpm: ${TPM:-400000}
        weight: 0
        max_tokens: 4096
      - provider: p2
        model: up-2
        priority: 7
  n:
    deployments:
      - { provider: p2, model: x }
      - { provider: p1, model: y }
keys:
  - name: team-a
    key: ${TEAM_A_KEY}
    models: [m]
    rpm: 60
    tpm: 100000
    budget: { usd: 12.50, period: week }
  - name: team-b
    key: sk-b
    budget: { usd: 100 }
  - name: team-c
    key: sk-c
)";

TEST(LoadConfig, ModelsDeploymentsAndKeys) {
  auto r = load(kModels, {{"TEAM_A_KEY", "sk-a"}});
  const Config& c = ok(r);
  const Model* m = c.model("m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->route, RouteStrategy::Cost);
  EXPECT_EQ(m->max_attempts, 2);
  EXPECT_EQ(m->line, 5);
  ASSERT_EQ(m->deployments.size(), 2u);
  const Deployment& d0 = m->deployments[0];
  EXPECT_EQ(d0.provider, "p1");
  EXPECT_EQ(d0.model, "up-1");
  EXPECT_EQ(d0.price.input, 75'000);          // 0.075 USD per million tokens, exactly
  EXPECT_EQ(d0.price.output, 15'000'000);
  EXPECT_EQ(d0.price.cache_read, 3'000'000);
  EXPECT_EQ(d0.price.cache_write, 15'500'000);
  EXPECT_EQ(d0.price.cache_write_1h, 150'000);
  EXPECT_EQ(d0.rpm, 500);
  EXPECT_EQ(d0.tpm, 400000);
  EXPECT_EQ(d0.weight, 0);
  EXPECT_EQ(d0.priority, 0);
  EXPECT_EQ(d0.max_tokens_default, 4096);
  EXPECT_EQ(d0.line, 9);
  const Deployment& d1 = m->deployments[1];
  EXPECT_EQ(d1.priority, 7);
  EXPECT_EQ(d1.weight, 1);
  EXPECT_EQ(d1.price.input, 0);
  EXPECT_FALSE(d1.price.cache_write_1h.has_value());  // priced at twice the input
  EXPECT_FALSE(d1.rpm.has_value());
  EXPECT_FALSE(d1.max_tokens_default.has_value());

  const Model* n = c.model("n");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->route, RouteStrategy::Priority);
  EXPECT_EQ(n->max_attempts, 3);
  EXPECT_EQ(n->deployments[0].priority, 0);  // list order
  EXPECT_EQ(n->deployments[1].priority, 1);

  ASSERT_EQ(c.keys.size(), 3u);
  EXPECT_EQ(c.keys[0].name, "team-a");
  EXPECT_EQ(c.keys[0].key, "sk-a");
  EXPECT_EQ(c.keys[0].models, std::vector<std::string>{"m"});
  EXPECT_EQ(c.keys[0].rpm, 60);
  EXPECT_EQ(c.keys[0].tpm, 100000);
  ASSERT_TRUE(c.keys[0].budget.has_value());
  EXPECT_EQ(c.keys[0].budget->nano_usd, 12'500'000'000);
  EXPECT_EQ(c.keys[0].budget->period, BudgetPeriod::Week);
  EXPECT_EQ(c.keys[0].line, 24);
  EXPECT_EQ(c.keys[1].budget->nano_usd, 100'000'000'000);
  EXPECT_EQ(c.keys[1].budget->period, BudgetPeriod::Month);  // the default
  EXPECT_TRUE(c.keys[2].models.empty());
  EXPECT_FALSE(c.keys[2].budget.has_value());
  EXPECT_FALSE(c.keys[2].rpm.has_value());
}

TEST(LoadConfig, UnsetKeySecretIsReportedAsEmpty) {
  auto r = load(kModels);  // TEAM_A_KEY unset
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "keys[0].key", 25, "empty"));
  EXPECT_EQ(r.problems.size(), 1u) << all_problems(r);
}

}  // namespace
}  // namespace gw::config
