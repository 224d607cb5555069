// Spellings of the schema's enums: one table per enum, so printing and parsing cannot disagree.
#include "gw/config/schema.h"

#include <array>
#include <utility>

namespace gw::config {

namespace {

constexpr std::array<std::pair<ProviderType, std::string_view>, 5> kProviderTypes{{
    {ProviderType::OpenAI, "openai"},
    {ProviderType::AzureOpenAI, "azure_openai"},
    {ProviderType::Anthropic, "anthropic"},
    {ProviderType::Bedrock, "bedrock"},
    {ProviderType::Vertex, "vertex"},
}};

constexpr std::array<std::pair<RouteStrategy, std::string_view>, 6> kRouteStrategies{{
    {RouteStrategy::Priority, "priority"},
    {RouteStrategy::Weighted, "weighted"},
    {RouteStrategy::Latency, "latency"},
    {RouteStrategy::LeastBusy, "least_busy"},
    {RouteStrategy::Cost, "cost"},
    {RouteStrategy::Commitment, "commitment"},
}};

constexpr std::array<std::pair<BudgetPeriod, std::string_view>, 5> kBudgetPeriods{{
    {BudgetPeriod::Day, "day"},
    {BudgetPeriod::Week, "week"},
    {BudgetPeriod::Month, "month"},
    {BudgetPeriod::Year, "year"},
    {BudgetPeriod::Total, "total"},
}};

constexpr std::array<std::pair<LedgerSync, std::string_view>, 2> kLedgerSyncs{{
    {LedgerSync::Strict, "strict"},
    {LedgerSync::Relaxed, "relaxed"},
}};

constexpr std::array<std::pair<MaxTokensField, std::string_view>, 2> kMaxTokensFields{{
    {MaxTokensField::MaxTokens, "max_tokens"},
    {MaxTokensField::MaxCompletionTokens, "max_completion_tokens"},
}};  // Auto has no spelling: it is the field left out

template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) {
      return name;
    }
  }
  return "unknown";
}

template <class E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& [e, name] : table) {
    if (name == s) {
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(ProviderType t) { return name_of(kProviderTypes, t); }
std::string_view to_string(RouteStrategy r) { return name_of(kRouteStrategies, r); }
std::string_view to_string(BudgetPeriod p) { return name_of(kBudgetPeriods, p); }
std::string_view to_string(LedgerSync s) { return name_of(kLedgerSyncs, s); }

std::optional<ProviderType> parse_provider_type(std::string_view s) {
  return value_of(kProviderTypes, s);
}
std::optional<RouteStrategy> parse_route_strategy(std::string_view s) {
  return value_of(kRouteStrategies, s);
}
std::optional<BudgetPeriod> parse_budget_period(std::string_view s) {
  return value_of(kBudgetPeriods, s);
}
std::optional<LedgerSync> parse_ledger_sync(std::string_view s) {
  return value_of(kLedgerSyncs, s);
}
std::optional<MaxTokensField> parse_max_tokens_field(std::string_view s) {
  return value_of(kMaxTokensFields, s);
}

}  // namespace gw::config
