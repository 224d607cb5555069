// Commitment burn-down (routing/commitments.h) and route: commitment, with an injected clock and
// a ledger stand-in that answers provider_spend from a list of records.
#include "gw/routing/commitments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "gw/routing/router.h"

namespace gw {
namespace {

constexpr int64_t kUsd = 1'000'000'000;  // nano-USD

// "YYYY-MM-DDTHH:MM:SSZ" as unix ms.
int64_t ms(const char* utc) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(utc, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6) << utc;
  using namespace std::chrono;
  return duration_cast<milliseconds>(sys_days{year{y} / mo / d}.time_since_epoch() + hours{h} + minutes{mi} +
                                     seconds{s})
      .count();
}
SystemTime at(const char* utc) { return SystemTime{std::chrono::milliseconds{ms(utc)}}; }

// p0: no commitment; p1 and p2 under "aws" ($1000 a month); p3 under "gcp" ($1000 a month).
config::Config make_config() {
  config::Config cfg;
  config::Model m;
  m.name = "m";
  m.route = config::RouteStrategy::Commitment;
  m.max_attempts = 4;
  for (int i = 0; i < 4; ++i) {
    config::Provider p;
    p.name = "p" + std::to_string(i);
    cfg.providers[p.name] = p;
    config::Deployment d;
    d.provider = p.name;
    d.model = "up";
    d.priority = i;
    m.deployments.push_back(d);
  }
  cfg.models["m"] = m;
  cfg.commitments["aws"] = config::Commitment{"aws", 1000 * kUsd, config::BudgetPeriod::Month, {"p1", "p2"}, 0};
  cfg.commitments["gcp"] = config::Commitment{"gcp", 1000 * kUsd, config::BudgetPeriod::Month, {"p3"}, 0};
  for (const auto& [name, c] : cfg.commitments) {
    for (const auto& p : c.providers) {
      cfg.providers[p].commitment = name;
    }
  }
  return cfg;
}

// The ledger: records of (time_ms, provider, cost), and every range asked for.
struct FakeLedger {
  struct Rec {
    int64_t time_ms;
    std::string provider;
    int64_t cost;
  };
  std::vector<Rec> records;
  std::vector<std::pair<int64_t, int64_t>> asked;
  bool failing = false;

  ProviderSpendQuery query() {
    return [this](const std::vector<std::string>& providers, int64_t since, int64_t until) -> Result<int64_t> {
      asked.emplace_back(since, until);
      if (failing) {
        return make_error(Code::Internal, "database is locked");
      }
      int64_t sum = 0;
      for (const auto& r : records) {
        const bool ours = std::find(providers.begin(), providers.end(), r.provider) != providers.end();
        sum += ours && r.time_ms >= since && r.time_ms < until ? r.cost : 0;
      }
      return sum;
    };
  }
};

std::vector<std::string> order(const Router& router, const config::Model& m) {
  std::vector<std::string> out;
  auto plan = router.plan(m);
  EXPECT_TRUE(plan);
  while (auto a = plan->next()) {
    out.push_back(a->deployment->provider);
  }
  return out;
}

TEST(CommitmentTracker, CountsMeteredSpendOfItsProvidersInTheCurrentPeriod) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-16T00:00:00Z"));  // 15 of November's 30 days gone
  CommitmentTracker t(cfg, clock);
  t.add("p1", 100 * kUsd, ms("2026-11-15T00:00:00Z"));
  t.add("p2", 50 * kUsd, ms("2026-11-16T00:00:00Z"));
  t.add("p0", 70 * kUsd, ms("2026-11-16T00:00:00Z"));    // no commitment
  t.add("p1", 30 * kUsd, ms("2026-10-31T23:59:59Z"));   // started last month: October's
  auto b = t.burn("p2");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->commitment->name, "aws");
  EXPECT_EQ(b->spent_nano_usd, 150 * kUsd);
  EXPECT_EQ(b->period.start_ms, ms("2026-11-01T00:00:00Z"));
  EXPECT_EQ(b->period.end_ms, ms("2026-12-01T00:00:00Z"));
  EXPECT_DOUBLE_EQ(b->elapsed, 0.5);
  EXPECT_DOUBLE_EQ(b->behind(), 0.5 - 0.15);
  EXPECT_EQ(b->pace_nano_usd(), 500 * kUsd);
  EXPECT_FALSE(b->met());
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 150 * kUsd) << "one commitment across its providers";
  EXPECT_EQ(t.burn("p3")->spent_nano_usd, 0);
  EXPECT_FALSE(t.burn("p0"));
  t.add("p3", 1000 * kUsd, ms("2026-11-16T00:00:00Z"));
  EXPECT_TRUE(t.burn("p3")->met());
}

TEST(CommitmentTracker, ANewPeriodStartsFromNothing) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-30T23:00:00Z"));
  CommitmentTracker t(cfg, clock);
  t.add("p1", 900 * kUsd, ms("2026-11-30T22:00:00Z"));
  clock.advance(std::chrono::hours(2));
  auto b = t.burn("p1");
  EXPECT_EQ(b->spent_nano_usd, 0);
  EXPECT_EQ(b->period.start_ms, ms("2026-12-01T00:00:00Z"));
  t.add("p1", 5 * kUsd, ms("2026-11-30T23:30:00Z"));  // a request of November that ended late
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 0);
}

TEST(CommitmentTracker, ReadsTheLedgerAtStartThenOnlyTheRecentRecords) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-16T12:00:00Z"));
  FakeLedger ledger;
  ledger.records = {{ms("2026-10-31T12:00:00Z"), "p1", 999 * kUsd},   // last month
                    {ms("2026-11-02T00:00:00Z"), "p1", 200 * kUsd},
                    {ms("2026-11-16T11:55:00Z"), "p2", 20 * kUsd},    // recent: read again next time
                    {ms("2026-11-03T00:00:00Z"), "p0", 500 * kUsd}};  // not committed
  CommitmentTracker t(cfg, clock);
  t.start(ledger.query(), std::chrono::hours(24));  // refreshed by hand below
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 220 * kUsd);
  EXPECT_EQ(t.burn("p3")->spent_nano_usd, 0);

  // This process meters a request; the ledger holds it once the writer commits.
  t.add("p2", 7 * kUsd, ms("2026-11-16T12:00:30Z"));
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 227 * kUsd);
  ledger.records.push_back({ms("2026-11-16T12:00:30Z"), "p2", 7 * kUsd});
  // Another replica's request, only in the ledger.
  ledger.records.push_back({ms("2026-11-16T12:01:00Z"), "p1", 3 * kUsd});
  clock.advance(std::chrono::minutes(30));
  ledger.asked.clear();
  t.refresh();
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 230 * kUsd) << "counted once, with the other replica's";
  // Each read after the first covers only what was not settled yet: from 10 minutes before the
  // last read on, never the whole month again.
  for (const auto& [since, until] : ledger.asked) {
    EXPECT_GE(since, ms("2026-11-16T11:50:00Z"));
    EXPECT_EQ(until == ms("2026-12-01T00:00:00Z") || until == ms("2026-11-16T12:20:00Z"), true) << until;
  }
  // Reading again with nothing new changes nothing (settled sums are not added twice).
  t.refresh();
  t.refresh();
  EXPECT_EQ(t.burn("p1")->spent_nano_usd, 230 * kUsd);
}

TEST(CommitmentTracker, AFailedReadKeepsWhatItKnew) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-16T12:00:00Z"));
  FakeLedger ledger;
  ledger.records = {{ms("2026-11-02T00:00:00Z"), "p3", 200 * kUsd}};
  CommitmentTracker t(cfg, clock);
  t.start(ledger.query(), std::chrono::hours(24));
  t.add("p3", 5 * kUsd, ms("2026-11-16T12:00:00Z"));
  ledger.failing = true;
  t.refresh();
  EXPECT_EQ(t.burn("p3")->spent_nano_usd, 205 * kUsd);
}

TEST(CommitmentRouting, FurthestBehindFirstThenPriorityOrder) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-16T00:00:00Z"));  // half of November gone
  CommitmentTracker t(cfg, clock);
  DeploymentHealth health(clock);
  Router router(cfg, health, {}, &t);
  const auto& m = cfg.models["m"];
  // Nothing spent: both commitments are half a period behind; aws's deployments are listed first.
  EXPECT_EQ(order(router, m), (std::vector<std::string>{"p1", "p2", "p3", "p0"}));
  t.add("p1", 400 * kUsd, ms("2026-11-15T00:00:00Z"));  // aws 10 % behind, gcp 50 %
  EXPECT_EQ(order(router, m), (std::vector<std::string>{"p3", "p1", "p2", "p0"}));
  t.add("p3", 450 * kUsd, ms("2026-11-15T00:00:00Z"));  // gcp 5 % behind
  EXPECT_EQ(order(router, m), (std::vector<std::string>{"p1", "p2", "p3", "p0"}));
  t.add("p2", 700 * kUsd, ms("2026-11-15T00:00:00Z"));  // aws met, far ahead of pace
  EXPECT_EQ(order(router, m), (std::vector<std::string>{"p3", "p0", "p1", "p2"}))
      << "a met commitment is pay-as-you-go: priority order with the uncommitted";
  t.add("p3", 600 * kUsd, ms("2026-11-15T00:00:00Z"));
  EXPECT_EQ(order(router, m), (std::vector<std::string>{"p0", "p1", "p2", "p3"}));
}

TEST(CommitmentRouting, AheadOfPaceButUnmetStillComesBeforeUncommitted) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-02T00:00:00Z"));
  CommitmentTracker t(cfg, clock);
  DeploymentHealth health(clock);
  Router router(cfg, health, {}, &t);
  t.add("p1", 900 * kUsd, ms("2026-11-01T12:00:00Z"));  // aws far ahead of pace
  t.add("p3", 999 * kUsd, ms("2026-11-01T12:00:00Z"));  // gcp further ahead
  EXPECT_EQ(order(router, cfg.models["m"]), (std::vector<std::string>{"p1", "p2", "p3", "p0"}));
}

TEST(CommitmentRouting, CoolingDeploymentsAreSkippedAsInEveryStrategy) {
  auto cfg = make_config();
  ManualClock clock(at("2026-11-16T00:00:00Z"));
  CommitmentTracker t(cfg, clock);
  DeploymentHealth health(clock);
  Router router(cfg, health, {}, &t);
  Error throttled = make_error(Code::RateLimited, "slow down");
  throttled.retry_after_s = 30;
  throttled.retryable = true;
  health.on_failure("p1/up", throttled, health.on_start("p1/up"));
  health.on_end("p1/up");
  EXPECT_EQ(order(router, cfg.models["m"]), (std::vector<std::string>{"p2", "p3", "p0"}));
}

TEST(CostRouting, PricesTheRequestsOwnTokenMix) {
  config::Config cfg;
  config::Model m;
  m.name = "m";
  m.route = config::RouteStrategy::Cost;
  m.max_attempts = 2;
  // cheap-in: cheap input, dear output; cheap-out: the reverse. Their price sums (11 vs 7) would
  // always put cheap-out first.
  for (auto [name, in, out] : {std::tuple{"cheap-in", 1, 10}, std::tuple{"cheap-out", 3, 4}}) {
    cfg.providers[name] = config::Provider{};
    config::Deployment d;
    d.provider = name;
    d.model = "up";
    d.price.input = in * 1'000'000;
    d.price.output = out * 1'000'000;
    m.deployments.push_back(d);
  }
  cfg.models["m"] = m;
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  auto first = [&](RouteRequest req) { return router.plan(cfg.models["m"], req)->next()->deployment->provider; };
  EXPECT_EQ(first({.input_tokens = 10000, .output_tokens = 100}), "cheap-in") << "a long prompt, a short answer";
  EXPECT_EQ(first({.input_tokens = 100, .output_tokens = 4000}), "cheap-out") << "a short prompt, a long answer";
  EXPECT_EQ(first({}), "cheap-out") << "without figures input and output weigh the same";
}

}  // namespace
}  // namespace gw
