#include "gw/limits/budget_period.h"

#include <gtest/gtest.h>

#include "gw/storage/time_text.h"

namespace gw {
namespace {

SystemTime at(const char* rfc3339) {
  return SystemTime{std::chrono::milliseconds{*storage::parse_rfc3339_ms(rfc3339)}};
}
int64_t ms(const char* rfc3339) { return *storage::parse_rfc3339_ms(rfc3339); }

TEST(BudgetPeriod, DayIsTheUtcCalendarDay) {
  auto b = budget_period_bounds(config::BudgetPeriod::Day, at("2025-03-31T23:59:59.999Z"));
  EXPECT_EQ(b.start_ms, ms("2025-03-31T00:00:00Z"));
  EXPECT_EQ(b.end_ms, ms("2025-04-01T00:00:00Z"));
  b = budget_period_bounds(config::BudgetPeriod::Day, at("2025-04-01T00:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2025-04-01T00:00:00Z"));
}

TEST(BudgetPeriod, WeekStartsOnMonday) {
  // 2025-03-05 is a Wednesday; 2025-03-03 the Monday before.
  auto b = budget_period_bounds(config::BudgetPeriod::Week, at("2025-03-05T12:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2025-03-03T00:00:00Z"));
  EXPECT_EQ(b.end_ms, ms("2025-03-10T00:00:00Z"));
  // Sunday belongs to the week that began six days earlier; Monday starts a new one.
  b = budget_period_bounds(config::BudgetPeriod::Week, at("2025-03-09T23:59:59Z"));
  EXPECT_EQ(b.start_ms, ms("2025-03-03T00:00:00Z"));
  b = budget_period_bounds(config::BudgetPeriod::Week, at("2025-03-10T00:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2025-03-10T00:00:00Z"));
  // A week across a year boundary.
  b = budget_period_bounds(config::BudgetPeriod::Week, at("2025-01-01T08:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2024-12-30T00:00:00Z"));
}

TEST(BudgetPeriod, MonthIsTheCalendarMonth) {
  auto b = budget_period_bounds(config::BudgetPeriod::Month, at("2024-02-29T10:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2024-02-01T00:00:00Z"));
  EXPECT_EQ(b.end_ms, ms("2024-03-01T00:00:00Z"));
  b = budget_period_bounds(config::BudgetPeriod::Month, at("2024-12-31T23:59:59Z"));
  EXPECT_EQ(b.end_ms, ms("2025-01-01T00:00:00Z"));
}

TEST(BudgetPeriod, TotalNeverEnds) {
  auto b = budget_period_bounds(config::BudgetPeriod::Total, at("2024-12-31T23:59:59Z"));
  EXPECT_EQ(b.start_ms, std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(b.end_ms);
}

}  // namespace
}  // namespace gw
