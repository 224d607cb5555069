#include "gw/config/schema.h"

#include <gtest/gtest.h>

namespace gw::config {
namespace {

TEST(Schema, EnumNamesRoundTrip) {
  for (auto t : {ProviderType::OpenAI, ProviderType::AzureOpenAI, ProviderType::Anthropic,
                 ProviderType::Bedrock, ProviderType::Vertex}) {
    EXPECT_EQ(parse_provider_type(to_string(t)), t);
  }
  for (auto r : {RouteStrategy::Priority, RouteStrategy::Weighted, RouteStrategy::Latency,
                 RouteStrategy::LeastBusy, RouteStrategy::Cost, RouteStrategy::Commitment}) {
    EXPECT_EQ(parse_route_strategy(to_string(r)), r);
  }
  for (auto p : {BudgetPeriod::Day, BudgetPeriod::Week, BudgetPeriod::Month, BudgetPeriod::Total}) {
    EXPECT_EQ(parse_budget_period(to_string(p)), p);
  }
  for (auto s : {LedgerSync::Strict, LedgerSync::Relaxed}) {
    EXPECT_EQ(parse_ledger_sync(to_string(s)), s);
  }
}

TEST(Schema, SpellingsAreTheConfigFileOnes) {
  EXPECT_EQ(to_string(ProviderType::AzureOpenAI), "azure_openai");
  EXPECT_EQ(to_string(RouteStrategy::LeastBusy), "least_busy");
  EXPECT_EQ(to_string(BudgetPeriod::Total), "total");
  EXPECT_EQ(to_string(LedgerSync::Relaxed), "relaxed");
  EXPECT_EQ(parse_route_strategy("fastest"), std::nullopt);
  EXPECT_EQ(parse_provider_type("OpenAI"), std::nullopt);  // case matters, as in the file
  EXPECT_EQ(parse_budget_period(""), std::nullopt);
}

}  // namespace
}  // namespace gw::config
