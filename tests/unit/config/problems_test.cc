// The loader's problems: every one reported, with its line and dotted key, never a secret.
#include <gtest/gtest.h>

#include <algorithm>

#include "gw/config/load.h"
#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::has_problem;
using testing::load;

TEST(ConfigProblems, MaxTokensFieldValueAndProviderType) {
  auto r = load(R"(providers:
  p:
    type: openai
    base_url: http://a/v1
    max_tokens_field: max_output_tokens
  a:
    type: anthropic
    api_key: k
    max_tokens_field: max_tokens
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.p.max_tokens_field", 5, "expected max_tokens or max_completion_tokens"));
  EXPECT_TRUE(has_problem(r, "providers.a.max_tokens_field", 9, "unknown key for a provider of type anthropic"));
}

TEST(ConfigProblems, CommitmentsAreCheckedAgainstProvidersAndModels) {
  auto r = load(R"(providers:
  a: { type: openai, base_url: http://a/v1 }
  b: { type: openai, base_url: http://b/v1 }
commitments:
  edp:
    usd: 0
    period: total
    providers: [a, nope]
  gcp:
    usd: 10
    providers: [a]
  azure:
    period: month
    providers: []
  bad name: { usd: 1, providers: [b] }
models:
  m:
    route: commitment
    deployments:
      - { provider: b, model: x, price: { input: 1, output: 1 } }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "commitments.edp.usd", 6, "must be more than 0"));
  EXPECT_TRUE(has_problem(r, "commitments.edp.period", 7, "expected day, week, month or year"));
  EXPECT_TRUE(has_problem(r, "commitments.edp.providers[1]", 8, "unknown provider 'nope'"));
  EXPECT_TRUE(has_problem(r, "commitments.gcp.providers[0]", 11, "already counts toward commitment 'edp'"));
  EXPECT_TRUE(has_problem(r, "commitments.azure.usd", 12, "is required"));
  EXPECT_TRUE(has_problem(r, "commitments.azure.providers", 14, "must name at least one provider"));
  EXPECT_TRUE(has_problem(r, "commitments.bad name", 15, "commitment names must be non-empty"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments", 19, "route: commitment needs a deployment on a provider"));
}

TEST(ConfigProblems, UnknownKeysAtEveryLevel) {
  auto r = load(R"(listen: 127.0.0.1:4000
listn: 1
providers:
  p:
    type: openai
    base_url: http://a/v1
    region: us-east-1
models:
  m:
    rout: priority
    deployments:
      - provider: p
        model: x
        wieght: 2
        price: { input: 1, output: 2, cache: 3 }
keys:
  - name: k
    key: sk-k
    rmp: 5
    budget: { usd: 1, every: day }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "listn", 2, "unknown key"));
  EXPECT_TRUE(has_problem(r, "providers.p.region", 7, "unknown key for a provider of type openai"));
  EXPECT_TRUE(has_problem(r, "models.m.rout", 10, "unknown key"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].wieght", 14, "unknown key"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].price.cache", 15, "unknown key"));
  EXPECT_TRUE(has_problem(r, "keys[0].rmp", 19, "unknown key"));
  EXPECT_TRUE(has_problem(r, "keys[0].budget.every", 20, "unknown key"));
  EXPECT_EQ(r.problems.size(), 7u) << all_problems(r);
  // Reported in document order.
  for (size_t i = 1; i < r.problems.size(); ++i) {
    EXPECT_LE(r.problems[i - 1].line, r.problems[i].line);
  }
}

TEST(ConfigProblems, WrongTypesAndValues) {
  auto r = load(R"(listen: localhost
ledger: mysql://x
ledger_sync: sometimes
limits: memcached
max_body_bytes: -5
workers: many
providers:
  p:
    type: foo
  q:
    type: openai
    base_url: ftp://x
    connect_timeout_ms: 0
models:
  m:
    route: fastest
    max_attempts: 0
    deployments:
      - provider: q
        model: x
        rpm: abc
        tpm: -1
        weight: -2
        price: { input: -1, output: 1.1234567 }
  n:
    deployments: []
  o:
    deployments: { provider: q }
keys:
  - name: k
    key: sk-k
    models: []
    budget: { usd: lots, period: fortnight }
  - not-a-mapping
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "listen", 1, "HOST:PORT"));
  EXPECT_TRUE(has_problem(r, "ledger", 2, "sqlite://"));
  EXPECT_TRUE(has_problem(r, "ledger_sync", 3, "strict or relaxed"));
  EXPECT_TRUE(has_problem(r, "limits", 4, "memory or redis://"));
  EXPECT_TRUE(has_problem(r, "max_body_bytes", 5, "at least 1"));
  EXPECT_TRUE(has_problem(r, "workers", 6, "expected an integer"));
  EXPECT_TRUE(has_problem(r, "providers.p.type", 9, "unknown provider type 'foo'"));
  EXPECT_TRUE(has_problem(r, "providers.q.base_url", 12, "http:// or https://"));
  EXPECT_TRUE(has_problem(r, "providers.q.connect_timeout_ms", 13, "at least 1"));
  EXPECT_TRUE(has_problem(r, "models.m.route", 16, "unknown route 'fastest'"));
  EXPECT_TRUE(has_problem(r, "models.m.max_attempts", 17, "at least 1"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].rpm", 21, "expected an integer, found 'abc'"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].tpm", 22, "at least 1"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].weight", 23, "must not be negative"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].price.input", 24, "must not be negative"));
  EXPECT_TRUE(
      has_problem(r, "models.m.deployments[0].price.output", 24, "more than 6 decimal places"));
  EXPECT_TRUE(has_problem(r, "models.n.deployments", 26, "at least one deployment"));
  EXPECT_TRUE(has_problem(r, "models.o.deployments", 28, "expected a list"));
  EXPECT_TRUE(has_problem(r, "keys[0].models", 32, "at least one model"));
  EXPECT_TRUE(has_problem(r, "keys[0].budget.usd", 33, "decimal number"));
  EXPECT_TRUE(has_problem(r, "keys[0].budget.period", 33, "unknown period 'fortnight'"));
  EXPECT_TRUE(has_problem(r, "keys[1]", 34, "expected a mapping"));
  EXPECT_EQ(r.problems.size(), 22u) << all_problems(r);
}

TEST(ConfigProblems, MissingRequiredFields) {
  auto r = load(R"(providers:
  oa: { type: openai }
  az: { type: azure_openai, base_url: "https://r.openai.azure.com" }
  an: { type: anthropic, api_key: "${ANTHROPIC_API_KEY}" }
  br: { type: bedrock }
  vx: { type: vertex, region: US East }
  nt: { base_url: "http://x" }
models:
  m: {}
  d:
    deployments:
      - { provider: oa }
      - { model: y, price: { output: 1 } }
keys:
  - { models: [m] }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.oa.base_url", 2, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.az.api_version", 3, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.an.api_key", 4, "empty"));
  EXPECT_TRUE(has_problem(r, "providers.br.region", 5, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.vx.project", 6, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.vx.region", 6, "region name"));
  EXPECT_TRUE(has_problem(r, "providers.nt", 7, "type is required"));
  EXPECT_TRUE(has_problem(r, "models.m.deployments", 9, "is required"));
  EXPECT_TRUE(has_problem(r, "models.d.deployments[0].model", 12, "is required"));
  EXPECT_TRUE(has_problem(r, "models.d.deployments[1].provider", 13, "is required"));
  EXPECT_TRUE(has_problem(r, "models.d.deployments[1].price.input", 13, "is required"));
  EXPECT_TRUE(has_problem(r, "keys[0].name", 15, "is required"));
  EXPECT_TRUE(has_problem(r, "keys[0].key", 15, "is required"));
  // A bedrock provider without keys takes them from the AWS default chain at `serve`, a vertex
  // provider without credentials_file from Google's Application Default Credentials, an
  // azure_openai one without api_key from the Entra ID chain.
  EXPECT_EQ(r.problems.size(), 13u) << all_problems(r);
}

TEST(ConfigProblems, VertexCredentialsFileIsOptionalButNotEmpty) {
  auto r = load(R"(providers:
  adc: { type: vertex, project: p, region: us-east5 }
  blank: { type: vertex, project: p, region: us-east5, credentials_file: "${UNSET_SA_FILE}" }
  wrong: { type: vertex, project: p, region: us-east5, credentials_file: [a] }
models:
  m: { deployments: [{ provider: adc, model: x, price: { input: 1, output: 1 } }] }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.blank.credentials_file", 3, "empty"));
  EXPECT_TRUE(has_problem(r, "providers.wrong.credentials_file", 4, ""));
  EXPECT_EQ(r.problems.size(), 2u) << all_problems(r);
}

TEST(ConfigProblems, AzureTakesAnApiKeyOrAServicePrincipalOrTheEnvironment) {
  auto ok = load(R"(providers:
  key: { type: azure_openai, base_url: "https://r.openai.azure.com", api_version: v, api_key: k }
  chain: { type: azure_openai, base_url: "https://r.openai.azure.com", api_version: v }
  sp:
    type: azure_openai
    base_url: https://r.openai.azure.com
    api_version: v
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
    client_id: 0d5c9a3e-0000-4000-8000-000000000001
    client_secret: ${SP_SECRET}
    authority_host: http://127.0.0.1:9/
models:
  m: { deployments: [ { provider: chain, model: x, price: { input: 1, output: 1 } } ] }
)",
                 {{"SP_SECRET", "s3cr3t"}});
  ASSERT_TRUE(ok.config.has_value()) << all_problems(ok);
  EXPECT_EQ(ok.config->provider("key")->api_key, "k");
  EXPECT_TRUE(ok.config->provider("chain")->api_key.empty());
  EXPECT_TRUE(ok.config->provider("chain")->client_secret.empty());
  const Provider& sp = *ok.config->provider("sp");
  EXPECT_EQ(sp.tenant_id, "72f988bf-86f1-41af-91ab-2d7cd011db47");
  EXPECT_EQ(sp.client_id, "0d5c9a3e-0000-4000-8000-000000000001");
  EXPECT_EQ(sp.client_secret, "s3cr3t");
  EXPECT_EQ(sp.authority_host, "http://127.0.0.1:9");

  auto r = load(R"(providers:
  id_only: { type: azure_openai, base_url: "https://r", api_version: v, client_id: c }
  no_key: { type: azure_openai, base_url: "https://r", api_version: v, api_key: "${UNSET_KEY:-}" }
  both: { type: azure_openai, base_url: "https://r", api_version: v, api_key: k, tenant_id: t }
  no_tenant:
    type: azure_openai
    base_url: https://r
    api_version: v
    client_id: c
    client_secret: ${UNSET_SECRET:-}
  bad:
    type: azure_openai
    base_url: https://r
    api_version: v
    tenant_id: "t/../x"
    client_id: c
    client_secret: s
    authority_host: login.microsoftonline.com
models:
  m: { deployments: [ { provider: bad, model: x, price: { input: 1, output: 1 } } ] }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.id_only.tenant_id", 2, "a service principal needs all three"));
  EXPECT_TRUE(has_problem(r, "providers.id_only.client_secret", 2, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.both.tenant_id", 4, "which api_key replaces"));
  EXPECT_TRUE(has_problem(r, "providers.no_tenant.tenant_id", 5, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.no_tenant.client_secret", 10, "is required but empty"));
  EXPECT_TRUE(has_problem(r, "providers.bad.tenant_id", 15, "expected a tenant id"));
  EXPECT_TRUE(has_problem(r, "providers.bad.authority_host", 18, "must start with http"));
  EXPECT_TRUE(has_problem(r, "providers.no_key.api_key", 3, "is required but empty"));
  EXPECT_EQ(r.problems.size(), 8u) << all_problems(r);
}

TEST(ConfigProblems, BedrockKeysComeInPairsOrFromTheDefaultChain) {
  auto ok = load(R"(providers:
  chain: { type: bedrock, region: us-east-1 }
  fixed: { type: bedrock, region: us-east-1, access_key_id: AKIA, secret_access_key: s }
models:
  m: { deployments: [ { provider: chain, model: x, price: { input: 1, output: 1 } } ] }
)");
  ASSERT_TRUE(ok.config.has_value()) << all_problems(ok);
  EXPECT_TRUE(ok.config->provider("chain")->access_key_id.empty());
  EXPECT_EQ(ok.config->provider("fixed")->access_key_id, "AKIA");

  auto r = load(R"(providers:
  no_secret: { type: bedrock, region: us-east-1, access_key_id: AKIA }
  no_id: { type: bedrock, region: us-east-1, secret_access_key: s }
  token_only: { type: bedrock, region: us-east-1, session_token: t }
models:
  m: { deployments: [ { provider: no_secret, model: x, price: { input: 1, output: 1 } } ] }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.no_secret.secret_access_key", 2, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.no_id.access_key_id", 3, "is required"));
  EXPECT_TRUE(has_problem(r, "providers.token_only.session_token", 4, "needs access_key_id"));
  EXPECT_EQ(r.problems.size(), 3u) << all_problems(r);
}

TEST(ConfigProblems, BedrockProfileIsANonEmptyStringWithoutStaticKeys) {
  auto ok = load(R"(providers:
  dev: { type: bedrock, region: us-east-1, profile: dev }
models:
  m: { deployments: [ { provider: dev, model: x, price: { input: 1, output: 1 } } ] }
)");
  ASSERT_TRUE(ok.config.has_value()) << all_problems(ok);
  EXPECT_EQ(ok.config->provider("dev")->profile, "dev");
  EXPECT_TRUE(ok.config->provider("dev")->access_key_id.empty());

  auto r = load(R"(providers:
  listed: { type: bedrock, region: us-east-1, profile: [a, b] }
  empty: { type: bedrock, region: us-east-1, profile: "" }
  both: { type: bedrock, region: us-east-1, profile: dev, access_key_id: AKIA, secret_access_key: s }
  openai: { type: openai, base_url: "http://a/v1", profile: dev }
models:
  m: { deployments: [ { provider: listed, model: x, price: { input: 1, output: 1 } } ] }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.listed.profile", 2, "")) << all_problems(r);
  EXPECT_TRUE(has_problem(r, "providers.empty.profile", 3, "must not be empty")) << all_problems(r);
  EXPECT_TRUE(has_problem(r, "providers.both.profile", 4, "cannot be combined")) << all_problems(r);
  EXPECT_TRUE(has_problem(r, "providers.openai.profile", 5, "")) << all_problems(r);
  EXPECT_EQ(r.problems.size(), 4u) << all_problems(r);
}

TEST(ConfigProblems, CrossReferencesAndUniqueness) {
  auto r = load(R"(master_key: sk-master
providers:
  p: { type: openai, base_url: "http://a/v1" }
models:
  m:
    deployments:
      - { provider: nope, model: x }
  w:
    route: weighted
    deployments:
      - { provider: p, model: x, weight: 0 }
keys:
  - { name: a, key: sk-one, models: [m, ghost] }
  - { name: a, key: sk-two }
  - { name: b, key: sk-one }
  - { name: c, key: sk-master }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "models.m.deployments[0].provider", 7, "unknown provider 'nope'"));
  EXPECT_TRUE(has_problem(r, "models.w.deployments", 10, "weight > 0"));
  EXPECT_TRUE(has_problem(r, "keys[0].models[1]", 13, "unknown model 'ghost'"));
  EXPECT_TRUE(has_problem(r, "keys[1].name", 14, "duplicate key name 'a'"));
  EXPECT_TRUE(has_problem(r, "keys[2].key", 15, "same secret as keys[0] (line 13)"));
  EXPECT_TRUE(has_problem(r, "keys[3].key", 16, "differ from master_key"));
  EXPECT_EQ(r.problems.size(), 6u) << all_problems(r);
}

TEST(ConfigProblems, DuplicateYamlKeysAreReported) {
  auto r = load(R"(listen: 127.0.0.1:1
providers:
  p: { type: openai, base_url: "http://a/v1" }
  p: { type: openai, base_url: "http://b/v1" }
listen: 127.0.0.1:2
)");
  EXPECT_TRUE(has_problem(r, "providers.p", 4, "duplicate key (first given on line 3)"));
  EXPECT_TRUE(has_problem(r, "listen", 5, "duplicate key (first given on line 1)"));
  EXPECT_EQ(r.problems.size(), 2u) << all_problems(r);
}

TEST(ConfigProblems, MalformedReferenceIsAProblemWithItsLine) {
  auto r = load("listen: 127.0.0.1:4000\nledger_sync: ${SYNC\n");
  EXPECT_TRUE(has_problem(r, "ledger_sync", 2, "malformed ${...} reference: '${SYNC'"));
  EXPECT_EQ(r.problems.size(), 1u) << all_problems(r);
}

TEST(ConfigProblems, YamlSyntaxErrorHasALine) {
  auto r = load("listen: 127.0.0.1:4000\nproviders:\n  p: [unclosed\n");
  ASSERT_EQ(r.problems.size(), 1u) << all_problems(r);
  EXPECT_GT(r.problems[0].line, 2);
  EXPECT_NE(r.problems[0].what.find("invalid YAML"), std::string::npos);
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigProblems, TopLevelMustBeAMapping) {
  EXPECT_TRUE(has_problem(load("- a\n- b\n"), "", 1, "expected a mapping"));
  EXPECT_TRUE(has_problem(load("listen: 127.0.0.1:1\n---\nlisten: x\n"), "", 3, "one YAML document"));
}

TEST(ConfigProblems, NamesMustBePrintableWithoutSpaces) {
  auto r = load(R"(providers:
  "my provider": { type: openai, base_url: "http://a/v1" }
models:
  "bad model": { deployments: [] }
)");
  EXPECT_TRUE(has_problem(r, "providers.my provider", 2, "provider names"));
  EXPECT_TRUE(has_problem(r, "models.bad model", 4, "model names"));
  EXPECT_EQ(r.problems.size(), 2u) << all_problems(r);
}

// Every name that is copied into usage records must be storable text: invalid UTF-8 and control
// characters are refused with the line (YAML's "\x01" escape writes a control character).
TEST(ConfigProblems, NamesInRecordsMustBeValidUtf8WithoutControlCharacters) {
  auto r = load("providers:\n"
                "  \"p\\x01\": { type: openai, base_url: \"http://a/v1\" }\n"
                "  ok: { type: openai, base_url: \"http://a/v1\" }\n"
                "models:\n"
                "  \"m\xff\": { deployments: [] }\n"
                "  good:\n"
                "    deployments:\n"
                "      - { provider: ok, model: \"up\\tstream\" }\n"
                "keys:\n"
                "  - { name: \"k\\x7f\", key: sk-one-one-one-one }\n"
                "  - { name: \"k\xc3\", key: sk-two-two-two-two }\n");
  EXPECT_TRUE(has_problem(r, "providers.p\x01", 2, "provider names")) << all_problems(r);
  EXPECT_TRUE(has_problem(r, "models.m\xff", 5, "model names")) << all_problems(r);
  EXPECT_NE(all_problems(r).find("deployment model ids must be valid UTF-8"), std::string::npos) << all_problems(r);
  EXPECT_EQ(std::count_if(r.problems.begin(), r.problems.end(),
                          [](const auto& p) { return p.what.find("key names must be valid UTF-8") != std::string::npos; }),
            2) << all_problems(r);
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigProblems, HeadersAreValidated) {
  auto r = load(R"(providers:
  p:
    type: openai
    base_url: http://a/v1
    headers:
      "bad header": x
      X-Ok: "${V}"
      X-List: [a]
)",
                {{"V", "line\r\nInjected: 1"}});
  EXPECT_TRUE(has_problem(r, "providers.p.headers.bad header", 6, "not a valid HTTP header name"));
  EXPECT_TRUE(has_problem(r, "providers.p.headers.X-Ok", 7, "line breaks"));
  EXPECT_TRUE(has_problem(r, "providers.p.headers.X-List", 8, "expected a string"));
  EXPECT_EQ(r.problems.size(), 3u) << all_problems(r);
}

TEST(ConfigProblems, SecretsNeverAppearInProblems) {
  auto r = load(R"(master_key: sk-MASTER-7f3a
ledger: mysql://root:HUNTER2@db/x
limits: memcached://:PW-REDIS@x
providers:
  a:
    type: anthropic
    api_key: "sk-ant-SECRET1-${unterminated"
    base_url: ftp://user:PW-URL@host
    headers: { Authorization: "Bearer HDR-SECRET-${oops" }
  b:
    type: bedrock
    region: us-east-1
    access_key_id: AKIA-SECRET2
    secret_access_key: [SECRET3]
keys:
  - { name: k1, key: sk-MASTER-7f3a }
  - { name: k2, key: sk-DUP-SECRET4 }
  - { name: k3, key: sk-DUP-SECRET4 }
  - { name: k4, key: "sk-x-${BROKEN" }
  - { name: k5, key: sk-k5, budget: { usd: "sk-BUDGET-SECRET5" } }
)");
  ASSERT_GE(r.problems.size(), 9u) << all_problems(r);
  for (const auto& p : r.problems) {
    std::string s = p.to_string();
    for (const char* secret : {"MASTER", "HUNTER2", "PW-REDIS", "SECRET1", "PW-URL", "HDR-SECRET",
                               "SECRET2", "SECRET3", "SECRET4", "BROKEN", "SECRET5"}) {
      EXPECT_EQ(s.find(secret), std::string::npos) << s;
    }
  }
}

TEST(ConfigProblems, ProblemToString) {
  Problem p{"gw.yaml", 12, "models.m.route", "unknown route 'fastest'"};
  EXPECT_EQ(p.to_string(), "gw.yaml:12: models.m.route: unknown route 'fastest'");
  Problem no_line{"gw.yaml", 0, "", "cannot open: No such file or directory"};
  EXPECT_EQ(no_line.to_string(), "gw.yaml: cannot open: No such file or directory");
}

TEST(ConfigProblems, MissingFileIsAProblem) {
  auto r = load_config_file("/nonexistent/switchyard.yaml", testing::env_of({}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "/nonexistent/switchyard.yaml");
  EXPECT_NE(r.problems[0].what.find("cannot open"), std::string::npos);
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigProblems, ADirectoryIsAProblemNotAnEmptyConfig) {
  // `--config /etc/switchyard/` by mistake: it opens and reads as nothing, i.e. every default.
  const std::string dir = ::testing::TempDir();
  auto r = load_config_file(dir, testing::env_of({}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, dir);
  EXPECT_NE(r.problems[0].what.find("directory"), std::string::npos) << r.problems[0].what;
  EXPECT_FALSE(r.config.has_value());
}

TEST(ConfigProblems, ListenForms) {
  for (const char* good : {"localhost:4000", "0.0.0.0:0", "[::]:443", "gw-1.internal:65535"}) {
    auto r = load(std::string("listen: \"") + good + "\"\n");
    EXPECT_TRUE(r.problems.empty()) << good << "\n" << all_problems(r);
  }
  for (const char* bad : {":4000", "host:", "host:70000", "[::1:80", "host:80a", "a b:80", "4000"}) {
    auto r = load(std::string("listen: \"") + bad + "\"\n");
    EXPECT_TRUE(has_problem(r, "listen", 1, "HOST:PORT")) << bad;
  }
}

TEST(ConfigProblems, RedisLimitsUrlProblemsNameTheReasonNeverThePassword) {
  auto tls = load("limits: rediss://:hunter2@cache:6380\n");
  EXPECT_FALSE(tls.config.has_value());
  EXPECT_TRUE(has_problem(tls, "limits", 1, "rediss:// (Redis over TLS) is not supported"));
  auto port = load("limits: redis://:hunter2@cache:notaport\n");
  EXPECT_TRUE(has_problem(port, "limits", 1, "the port must be a number"));
  for (const auto* r : {&tls, &port}) {
    EXPECT_EQ(all_problems(*r).find("hunter2"), std::string::npos) << all_problems(*r);
  }
  auto ok = load("limits: redis://:hunter2@cache:6379/2\n");
  ASSERT_TRUE(ok.config.has_value()) << all_problems(ok);
  EXPECT_EQ(ok.config->limits, "redis://:hunter2@cache:6379/2");
}

}  // namespace
}  // namespace gw::config
