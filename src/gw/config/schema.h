#pragma once
// The parsed, validated configuration (contract.md "Configuration"). Built once at start-up by
// load_config(); read-only afterwards and shared by every worker.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::config {

enum class ProviderType { OpenAI, AzureOpenAI, Anthropic, Bedrock, Vertex };

// Which field carries the output limit to an OpenAI-format upstream (protocols.md 3.3: per-upstream
// configurable). OpenAI's reasoning models reject max_tokens; many compatible servers know only it.
// Auto: what the client chose when it spoke OpenAI, else max_tokens.
enum class MaxTokensField { Auto, MaxTokens, MaxCompletionTokens };

struct Provider {
  std::string name;  // the key under providers:
  ProviderType type = ProviderType::OpenAI;
  std::string base_url;  // with the vendor default filled in where the contract gives one
  std::string api_key;   // openai, azure_openai, anthropic
  // azure_openai without api_key: Microsoft Entra ID. tenant_id, client_id and client_secret (a
  // service principal, all three or none); none: the environment's DefaultAzureCredential chain
  // (serve; providers/azure/credential_chain.h). authority_host: the Entra ID login host
  // (empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com).
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;
  std::string authority_host;
  std::string api_version;        // azure_openai api-version; anthropic-version for anthropic
  std::string region;             // bedrock, vertex
  std::string access_key_id;      // bedrock; empty: the AWS default credential chain (serve)
  std::string secret_access_key;  // bedrock
  std::string session_token;      // bedrock (optional)
  std::string profile;            // bedrock: a profile of the AWS shared config files (serve)
  std::string project;            // vertex
  std::string credentials_file;   // vertex service-account key file; empty: Application Default Credentials
  std::map<std::string, std::string> headers;  // extra headers sent upstream
  MaxTokensField max_tokens_field = MaxTokensField::Auto;  // openai, azure_openai
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds first_byte_timeout{60000};
  std::chrono::milliseconds idle_timeout{60000};  // between two reads of a streamed body
  std::string commitment;  // the commitment its spend counts toward (commitments:), if any
  int line = 0;  // where it was declared, for messages
};

// USD per million tokens, held as integer micro-USD per million tokens (= pico-USD per token)
// so that costs are exact integer arithmetic.
struct Price {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cache_read = 0;
  int64_t cache_write = 0;
  // One-hour cache writes; unset: twice the input price, Anthropic's rule on every cloud that
  // serves Claude (five-minute writes, `cache_write`, are 1.25 times it).
  std::optional<int64_t> cache_write_1h;
};

struct Deployment {
  std::string provider;  // name of a Provider
  std::string model;     // the upstream's model id
  Price price;
  bool priced = false;  // price: was written; without it usage costs $0 (config_warnings)
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  int weight = 1;
  int priority = 0;              // lower first; defaults to list order for route: priority
  std::optional<int64_t> max_tokens_default;  // for upstreams that require max_tokens
  int line = 0;
};

enum class RouteStrategy { Priority, Weighted, Latency, LeastBusy, Cost, Commitment };

struct Model {
  std::string name;
  RouteStrategy route = RouteStrategy::Priority;
  std::vector<Deployment> deployments;
  int max_attempts = 3;  // bounded failover
  int line = 0;
};

enum class BudgetPeriod { Day, Week, Month, Year, Total };

struct Budget {
  int64_t nano_usd = 0;  // budget amount in nano-USD (exact integer money)
  BudgetPeriod period = BudgetPeriod::Month;
};

struct StaticKey {
  std::string name;
  std::string key;  // the secret; hashed at load, never logged
  std::vector<std::string> models;  // empty = all
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<Budget> budget;
  int line = 0;
};

// A spending commitment made with a cloud (an AWS Enterprise Discount Program, a Google Cloud
// commit, an Azure consumption commitment): USD the company has promised to spend in each
// calendar period across the providers it names. `route: commitment` sends a model's traffic to
// the deployments whose commitment is furthest behind (routing/commitments.h).
struct Commitment {
  std::string name;
  int64_t nano_usd = 0;
  BudgetPeriod period = BudgetPeriod::Month;  // never Total: a commitment has a term to pace over
  std::vector<std::string> providers;
  int line = 0;
};

enum class LedgerSync { Strict, Relaxed };

struct Config {
  std::string source_file;
  std::string listen = "127.0.0.1:4000";
  std::string master_key;  // empty = admin API disabled
  std::string ledger = "sqlite://switchyard.db";
  LedgerSync ledger_sync = LedgerSync::Strict;
  std::string limits = "memory";
  uint64_t max_body_bytes = 10 * 1024 * 1024;
  uint64_t max_header_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{30000};   // client request read
  std::chrono::milliseconds drain_timeout{30000};  // SIGTERM
  std::chrono::milliseconds write_timeout{120000};  // a client that takes none of a reply's bytes
  // A stream silent this long (an upstream thinking) gets a keep-alive event; 0 = never.
  std::chrono::milliseconds stream_keepalive{15000};
  int workers = 0;  // io_context threads; 0 = hardware concurrency
  std::map<std::string, Provider> providers;
  std::map<std::string, Commitment> commitments;
  std::map<std::string, Model> models;
  std::vector<StaticKey> keys;

  const Provider* provider(const std::string& name) const {
    auto it = providers.find(name);
    return it == providers.end() ? nullptr : &it->second;
  }
  const Model* model(const std::string& name) const {
    auto it = models.find(name);
    return it == models.end() ? nullptr : &it->second;
  }
};

std::string_view to_string(ProviderType t);
std::string_view to_string(RouteStrategy r);
std::string_view to_string(BudgetPeriod p);
std::string_view to_string(LedgerSync s);

// The inverse of to_string(): the spelling used in the YAML file (and by the CLI flags that take
// the same values, e.g. `keys create --budget-period`); nullopt for anything else.
std::optional<ProviderType> parse_provider_type(std::string_view s);
std::optional<RouteStrategy> parse_route_strategy(std::string_view s);
std::optional<BudgetPeriod> parse_budget_period(std::string_view s);
std::optional<LedgerSync> parse_ledger_sync(std::string_view s);
std::optional<MaxTokensField> parse_max_tokens_field(std::string_view s);

}  // namespace gw::config
