#include "gw/config/budget_period.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace gw {
namespace {

// "YYYY-MM-DDTHH:MM:SS[.mmm]Z" as unix ms.
int64_t ms(const char* utc) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, milli = 0;
  EXPECT_GE(std::sscanf(utc, "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &milli), 6) << utc;
  using namespace std::chrono;
  const sys_days day{year{y} / mo / d};
  return duration_cast<milliseconds>(day.time_since_epoch() + hours{h} + minutes{mi} + seconds{s}).count() + milli;
}
SystemTime at(const char* utc) { return SystemTime{std::chrono::milliseconds{ms(utc)}}; }

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

TEST(BudgetPeriod, YearIsTheCalendarYear) {
  auto b = budget_period_bounds(config::BudgetPeriod::Year, at("2024-02-29T10:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2024-01-01T00:00:00Z"));
  EXPECT_EQ(b.end_ms, ms("2025-01-01T00:00:00Z"));
  b = budget_period_bounds(config::BudgetPeriod::Year, at("2024-12-31T23:59:59.999Z"));
  EXPECT_EQ(b.end_ms, ms("2025-01-01T00:00:00Z"));
  b = budget_period_bounds(config::BudgetPeriod::Year, at("2025-01-01T00:00:00Z"));
  EXPECT_EQ(b.start_ms, ms("2025-01-01T00:00:00Z"));
}

TEST(BudgetPeriod, TotalNeverEnds) {
  auto b = budget_period_bounds(config::BudgetPeriod::Total, at("2024-12-31T23:59:59Z"));
  EXPECT_EQ(b.start_ms, std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(b.end_ms);
}

}  // namespace
}  // namespace gw
