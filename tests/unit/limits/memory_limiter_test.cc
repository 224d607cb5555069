#include "gw/limits/memory_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "gw/storage/time_text.h"
#include "limits_test_util.h"

namespace gw {
namespace {

using namespace std::chrono_literals;

SystemTime at(const char* rfc3339) {
  return SystemTime{std::chrono::milliseconds{*storage::parse_rfc3339_ms(rfc3339)}};
}

Principal key(std::optional<int64_t> rpm, std::optional<int64_t> tpm,
              std::optional<config::Budget> budget = std::nullopt, std::string id = "key_1") {
  return Principal{id, "name-" + id, {}, rpm, tpm, budget};
}

constexpr int64_t kUsd = 1'000'000'000;

TEST(MemoryLimiter, RpmRefusesAtTheLimitWithExactRetryAfterAndSlides) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(3, std::nullopt);
  std::vector<std::unique_ptr<Reservation>> held;
  for (int i = 0; i < 3; ++i) {
    auto r = limiter->reserve_key(who, {10, 0});
    ASSERT_TRUE(r) << i;
    (*r)->settle(Usage{.input = 5, .output = 5}, 0);
    held.push_back(std::move(*r));
    clock.advance(10s);  // admitted at t = 0, 10, 20
  }
  // t = 30: the oldest frees at t = 60.
  auto refused = limiter->reserve_key(who, {10, 0});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::RateLimited);
  EXPECT_EQ(refused.error().retry_after_s, 30);
  clock.advance(29500ms);  // t = 59.5: still 0.5 s to go, reported as 1
  refused = limiter->reserve_key(who, {10, 0});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().retry_after_s, 1);
  clock.advance(500ms);  // t = 60: the first request left the window
  auto again = limiter->reserve_key(who, {10, 0});
  EXPECT_TRUE(again);
  EXPECT_FALSE(limiter->reserve_key(who, {10, 0}));
  // Other keys are independent.
  EXPECT_TRUE(limiter->reserve_key(key(3, std::nullopt, std::nullopt, "key_2"), {10, 0}));
}

TEST(MemoryLimiter, UnsettledReservationIsRefunded) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(1, 100);
  {
    auto r = limiter->reserve_key(who, {80, 0});
    ASSERT_TRUE(r);
    EXPECT_FALSE(limiter->reserve_key(who, {1, 0}));
  }  // never reached an upstream: refunded
  EXPECT_TRUE(limiter->reserve_key(who, {80, 0}));
}

TEST(MemoryLimiter, TpmReservesTheEstimateAndSettleAdjustsToActual) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, 1000);
  auto a = limiter->reserve_key(who, {600, 0});
  ASSERT_TRUE(a);
  clock.advance(5s);
  // 600 reserved: 500 more would exceed 1000.
  auto refused = limiter->reserve_key(who, {500, 0});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::RateLimited);
  EXPECT_EQ(refused.error().retry_after_s, 55);
  // The request used only 100 tokens: 900 are free again.
  (*a)->settle(Usage{.input = 60, .output = 30, .cache_read = 10}, 0);
  auto b = limiter->reserve_key(who, {900, 0});
  ASSERT_TRUE(b);
  // Settling above the estimate charges the difference.
  (*b)->settle(Usage{.input = 1000, .output = 200}, 0);  // window now 100 + 1200
  clock.advance(54s);  // t = 59
  refused = limiter->reserve_key(who, {1, 0});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().retry_after_s, 6) << "only once the second entry (t = 5) leaves";
  clock.advance(5s);  // t = 64: the first left, 1200 remain
  EXPECT_FALSE(limiter->reserve_key(who, {1, 0}));
  clock.advance(1s);  // t = 65
  EXPECT_TRUE(limiter->reserve_key(who, {1, 0}));
}

TEST(MemoryLimiter, OversizedEstimateIsAdmittedIntoAnEmptyWindowOnly) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, 100);
  auto big = limiter->reserve_key(who, {4096, 0});
  ASSERT_TRUE(big) << "refusing forever would make the key useless";
  (*big)->settle(Usage{.input = 20, .output = 10}, 0);
  clock.advance(1s);
  auto refused = limiter->reserve_key(who, {4096, 0});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().retry_after_s, 59);
  EXPECT_TRUE(limiter->reserve_key(who, {70, 0}));
}

TEST(MemoryLimiter, DeploymentCapacityIsSeparateAndRetryable) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  auto a = limiter->reserve_deployment("aws/claude", 2, 1000, 400);
  auto b = limiter->reserve_deployment("aws/claude", 2, 1000, 400);
  ASSERT_TRUE(a && b);
  auto full = limiter->reserve_deployment("aws/claude", 2, 1000, 1);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Code::RateLimited);
  EXPECT_TRUE(full.error().retryable);
  EXPECT_EQ(full.error().retry_after_s, 60);
  EXPECT_TRUE(limiter->reserve_deployment("gcp/claude", 2, 1000, 400));
  EXPECT_TRUE(limiter->reserve_deployment("unlimited", std::nullopt, std::nullopt, 1'000'000));
  a->reset();  // refund one request
  auto c = limiter->reserve_deployment("aws/claude", 2, 1000, 500);
  ASSERT_TRUE(c);
  EXPECT_FALSE(limiter->reserve_deployment("aws/claude", 3, 1000, 200)) << "400 + 500 + 200 > 1000";
  (*c)->settle(Usage{.output = 100}, 0);
  EXPECT_TRUE(limiter->reserve_deployment("aws/claude", 3, 1000, 200));
}

TEST(MemoryLimiter, BudgetRefusesOnceSpentAndReopensNextDay) {
  ManualClock clock(at("2025-03-05T22:00:00Z"));
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{1 * kUsd, config::BudgetPeriod::Day});
  auto r = limiter->reserve_key(who, {100, kUsd / 2});
  ASSERT_TRUE(r);
  (*r)->settle(Usage{.input = 100}, kUsd / 2);
  r = limiter->reserve_key(who, {100, kUsd / 2});
  ASSERT_TRUE(r);
  (*r)->settle(Usage{.input = 100}, kUsd / 2);  // spent == budget
  auto refused = limiter->reserve_key(who, {1, 1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::BudgetExceeded);
  EXPECT_EQ(refused.error().retry_after_s, 2 * 3600) << "until midnight UTC";
  clock.advance(2h - 1ms);
  EXPECT_FALSE(limiter->reserve_key(who, {1, 1}));
  clock.advance(1ms);
  EXPECT_TRUE(limiter->reserve_key(who, {1, 1})) << "a new day, a new budget";
}

TEST(MemoryLimiter, WeekAndMonthBudgetsRollOverOnCalendarBoundaries) {
  ManualClock clock(at("2025-03-09T23:00:00Z"));  // a Sunday
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal weekly = key(std::nullopt, std::nullopt, config::Budget{10, config::BudgetPeriod::Week}, "w");
  const Principal monthly = key(std::nullopt, std::nullopt, config::Budget{10, config::BudgetPeriod::Month}, "m");
  for (const auto* who : {&weekly, &monthly}) {
    auto r = limiter->reserve_key(*who, {1, 10});
    ASSERT_TRUE(r);
    (*r)->settle(Usage{}, 10);
  }
  auto w = limiter->reserve_key(weekly, {1, 1});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().retry_after_s, 3600) << "Monday 00:00";
  auto m = limiter->reserve_key(monthly, {1, 1});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().retry_after_s, (22 * 24 + 1) * 3600) << "April 1st 00:00";
  clock.advance(1h);
  EXPECT_TRUE(limiter->reserve_key(weekly, {1, 1}));
  EXPECT_FALSE(limiter->reserve_key(monthly, {1, 1}));
  clock.advance((22 * 24) * 1h);
  EXPECT_TRUE(limiter->reserve_key(monthly, {1, 1}));
}

TEST(MemoryLimiter, TotalBudgetNeverResets) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{50'000'000, config::BudgetPeriod::Total});
  auto r = limiter->reserve_key(who, {1, 1});
  ASSERT_TRUE(r);
  (*r)->settle(Usage{}, 60'000'000);
  auto refused = limiter->reserve_key(who, {1, 1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().retry_after_s, kTotalBudgetRetryAfterS);
  clock.advance(24h * 400);
  EXPECT_FALSE(limiter->reserve_key(who, {1, 1}));
}

// Huge costs must not wrap settled + reserved (signed overflow) into a sum below the budget.
TEST(MemoryLimiter, HugeCostsSaturateInsteadOfWrapping) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{1000, config::BudgetPeriod::Total});
  auto small = limiter->reserve_key(who, {1, 5});
  ASSERT_TRUE(small);
  auto big = limiter->reserve_key(who, {1, 10});
  ASSERT_TRUE(big);
  (*big)->settle(Usage{}, std::numeric_limits<int64_t>::max());
  auto refused = limiter->reserve_key(who, {1, 1});
  ASSERT_FALSE(refused) << "spent far past the budget, with 5 still held";
  EXPECT_EQ(refused.error().code, Code::BudgetExceeded);
  EXPECT_EQ(refused.error().retry_after_s, kTotalBudgetRetryAfterS);
}

TEST(MemoryLimiter, InFlightReservationsHoldTheBudget) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{100, config::BudgetPeriod::Total});
  auto a = limiter->reserve_key(who, {1, 70});
  ASSERT_TRUE(a);
  auto b = limiter->reserve_key(who, {1, 70});  // 70 < 100: admitted, may end at 140
  ASSERT_TRUE(b);
  auto c = limiter->reserve_key(who, {1, 70});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Code::BudgetExceeded);
  EXPECT_EQ(c.error().retry_after_s, 1) << "transient: held by requests in flight";
  (*a)->settle(Usage{}, 10);  // 10 settled + 70 reserved
  EXPECT_TRUE(limiter->reserve_key(who, {1, 1}));  // refunded at once (destroyed unsettled)
  b->reset();                                       // b never reached an upstream
  EXPECT_TRUE(limiter->reserve_key(who, {1, 70}));
}

// Many threads race for one budget; each request costs exactly its estimate. The spend may pass
// the budget only by what was admitted while room was left: below budget + one estimate.
TEST(MemoryLimiter, ConcurrentReservationsNeverOverrunByMoreThanTheirEstimates) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  constexpr int64_t kBudget = 1000;
  constexpr int64_t kEstimate = 7;
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{kBudget, config::BudgetPeriod::Total});
  std::atomic<int64_t> spent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto r = limiter->reserve_key(who, {1, kEstimate});
        if (r) {
          spent += kEstimate;
          (*r)->settle(Usage{.output = 1}, kEstimate);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_GE(spent.load(), kBudget);
  EXPECT_LT(spent.load(), kBudget + kEstimate);
}

TEST(MemoryLimiter, BudgetIsSeededFromTheLedgerOnce) {
  ManualClock clock(at("2025-03-05T12:00:00Z"));
  test::SpendLedger ledger;
  ledger.spend["key_1"] = {{*storage::parse_rfc3339_ms("2025-02-28T12:00:00Z"), 900},  // last month
                           {*storage::parse_rfc3339_ms("2025-03-01T00:00:00Z"), 60},
                           {*storage::parse_rfc3339_ms("2025-03-05T11:00:00Z"), 30}};
  auto limiter = test::sync(make_memory_limiter(clock, &ledger));
  const Principal who = key(std::nullopt, std::nullopt, config::Budget{100, config::BudgetPeriod::Month});
  auto r = limiter->reserve_key(who, {1, 5});  // 90 spent this month after a restart
  ASSERT_TRUE(r);
  (*r)->settle(Usage{}, 10);  // 100
  EXPECT_FALSE(limiter->reserve_key(who, {1, 1}));
  EXPECT_EQ(ledger.queries, 1) << "seeded the first time the key is seen, then kept in memory";
  // A total budget counts every record the key ever had.
  const Principal total = key(std::nullopt, std::nullopt, config::Budget{991, config::BudgetPeriod::Total});
  EXPECT_TRUE(limiter->reserve_key(Principal{"key_1b", "b", {}, {}, {}, total.budget}, {1, 1}));
  ledger.spend["key_t"] = ledger.spend["key_1"];
  auto t = limiter->reserve_key(Principal{"key_t", "t", {}, {}, {}, total.budget}, {1, 1});
  ASSERT_TRUE(t);  // 990 < 991
  (*t)->settle(Usage{}, 1);
  EXPECT_FALSE(limiter->reserve_key(Principal{"key_t", "t", {}, {}, {}, total.budget}, {1, 1}));
}

TEST(MemoryLimiter, KeysWithoutLimitsAreAlwaysAdmitted) {
  ManualClock clock;
  auto limiter = test::sync(make_memory_limiter(clock, nullptr));
  for (int i = 0; i < 1000; ++i) {
    auto r = limiter->reserve_key(key(std::nullopt, std::nullopt), {100000, 100000});
    ASSERT_TRUE(r);
    (*r)->settle(Usage{.input = 1}, 1);
  }
}

}  // namespace
}  // namespace gw
