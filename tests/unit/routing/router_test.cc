#include "gw/routing/router.h"

#include <gtest/gtest.h>

#include <map>

namespace gw {
namespace {

config::Config make_config(config::RouteStrategy route, std::vector<int> weights) {
  config::Config cfg;
  config::Model m;
  m.name = "m";
  m.route = route;
  m.max_attempts = 3;
  for (size_t i = 0; i < weights.size(); ++i) {
    config::Provider p;
    p.name = "p" + std::to_string(i);
    cfg.providers[p.name] = p;
    config::Deployment d;
    d.provider = p.name;
    d.model = "up-" + std::to_string(i);
    d.weight = weights[i];
    d.priority = static_cast<int>(i);
    d.price.input = 1000000 * static_cast<int64_t>(weights.size() - i);
    m.deployments.push_back(d);
  }
  cfg.models["m"] = m;
  return cfg;
}

std::vector<std::string> drain(RoutePlan plan) {
  std::vector<std::string> out;
  while (auto a = plan.next()) {
    out.push_back(a->deployment->provider);
  }
  return out;
}

TEST(Router, PriorityOrderIsListOrder) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  auto plan = router.plan(cfg.models["m"]);
  ASSERT_TRUE(plan);
  EXPECT_EQ(drain(*plan), (std::vector<std::string>{"p0", "p1", "p2"}));
}

TEST(Router, AttemptsAreBoundedByMaxAttempts) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1, 1, 1});
  cfg.models["m"].max_attempts = 2;
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).size(), 2u);
}

// Token counting plans only the deployments whose provider can count, in the model's order, and
// the attempt budget is spent on them alone.
TEST(Router, AFilterPlansOnlyTheUsableDeploymentsInOrder) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1, 1, 1});
  cfg.models["m"].max_attempts = 2;
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  const Router::DeploymentFilter odd = [](const config::Deployment& d) {
    return d.provider == "p1" || d.provider == "p3";
  };
  EXPECT_EQ(drain(*router.plan(cfg.models["m"], {}, odd)), (std::vector<std::string>{"p1", "p3"}));

  // Only the usable deployments' cool-downs decide that nothing can be tried.
  Error e = make_error(Code::RateLimited, "slow down");
  e.retryable = true;
  e.retry_after_s = 9;
  health.on_failure("p1/up-1", e, clock.steady_now());
  health.on_failure("p3/up-3", e, clock.steady_now());
  auto plan = router.plan(cfg.models["m"], {}, odd);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().http_status(), 429u);
  EXPECT_EQ(plan.error().retry_after_s.value_or(0), 9);
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])), (std::vector<std::string>{"p0", "p2"}));
}

TEST(Router, RetryAfterCoolsADeploymentDownUntilItPasses) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::RateLimited, "slow down");
  e.retryable = true;
  e.retry_after_s = 10;
  health.on_failure("p0/up-0", e, clock.steady_now());
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])), (std::vector<std::string>{"p1"}));
  clock.advance(std::chrono::seconds(11));
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])), (std::vector<std::string>{"p0", "p1"}));
}

TEST(Router, EveryDeploymentThrottledIs429WithRetryAfter) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::RateLimited, "slow down");
  e.retryable = true;
  e.retry_after_s = 7;
  health.on_failure("p0/up-0", e, clock.steady_now());
  auto plan = router.plan(cfg.models["m"]);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().http_status(), 429u);
  EXPECT_EQ(plan.error().retry_after_s.value_or(0), 7);
}

TEST(Router, EveryDeploymentThrottledWithoutRetryAfterIs429NeverAnEjection) {
  // Bedrock's ThrottlingException names no wait: throttling in a row is not ill health.
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::RateLimited, "Too many requests, please wait before trying again.");
  e.retryable = true;
  for (int i = 0; i < 6; ++i) {
    health.on_failure("p0/up-0", e, clock.steady_now());
    health.on_failure("p1/up-1", e, clock.steady_now());
    auto plan = router.plan(cfg.models["m"]);
    ASSERT_FALSE(plan) << i;
    EXPECT_EQ(plan.error().http_status(), 429u) << i;
    EXPECT_EQ(plan.error().retry_after_s.value_or(0), int64_t{1} << i) << i;
    clock.advance(std::chrono::seconds(int64_t{1} << i));
    EXPECT_EQ(drain(*router.plan(cfg.models["m"])).size(), 2u) << i;  // both are tried again
  }
}

TEST(Router, EveryDeploymentEjectedIs503WithRetryAfter) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::UpstreamError, "reset");
  e.retryable = true;
  for (int i = 0; i < 3; ++i) {
    health.on_failure("p0/up-0", e, clock.steady_now());
  }
  auto plan = router.plan(cfg.models["m"]);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().http_status(), 503u);
  EXPECT_EQ(plan.error().retry_after_s.value_or(0), 5);
}

TEST(Router, NonRetryableFailuresDoNotEject) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::UpstreamRejected, "bad request");
  for (int i = 0; i < 10; ++i) {
    health.on_failure("p0/up-0", e, clock.steady_now());
  }
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
}

TEST(Router, ConsecutiveFailuresEjectForAWhile) {
  auto cfg = make_config(config::RouteStrategy::Priority, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  Error e = make_error(Code::UpstreamError, "reset");
  e.retryable = true;
  health.on_failure("p0/up-0", e, clock.steady_now());
  health.on_failure("p0/up-0", e, clock.steady_now());
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");  // two failures: still in
  health.on_failure("p0/up-0", e, clock.steady_now());
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p1");  // third: ejected
  clock.advance(std::chrono::seconds(6));
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
}

TEST(Router, WeightedPicksInProportionToWeight) {
  auto cfg = make_config(config::RouteStrategy::Weighted, {1, 3, 0});
  ManualClock clock;
  DeploymentHealth health(clock);
  uint64_t state = 12345;
  auto uniform = [&state] {  // deterministic LCG
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
  };
  Router router(cfg, health, uniform);
  std::map<std::string, int> first;
  for (int i = 0; i < 4000; ++i) {
    auto order = drain(*router.plan(cfg.models["m"]));
    ASSERT_EQ(order.size(), 2u);  // weight 0 is never routed to
    first[order.front()]++;
  }
  EXPECT_NEAR(first["p1"] / 4000.0, 0.75, 0.03);
  EXPECT_NEAR(first["p0"] / 4000.0, 0.25, 0.03);
}

TEST(Router, CostOrdersByPrice) {
  auto cfg = make_config(config::RouteStrategy::Cost, {1, 1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])), (std::vector<std::string>{"p2", "p1", "p0"}));
}

TEST(Router, LeastBusyPrefersFewestInflight) {
  auto cfg = make_config(config::RouteStrategy::LeastBusy, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  health.on_start("p0/up-0");
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p1");
  health.on_end("p0/up-0");
  health.on_start("p1/up-1");
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
}

TEST(Router, LatencyPrefersFasterDeployment) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  health.on_success("p0/up-0", std::chrono::milliseconds(900), clock.steady_now());
  health.on_success("p1/up-1", std::chrono::milliseconds(100), clock.steady_now());
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p1");
}

TEST(Router, LatencyReprobesADeploymentWhoseMeasurementIsStale) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  // A cold connection, once.
  health.on_success("p0/up-0", std::chrono::milliseconds(900), clock.steady_now());
  for (int s = 0; s < 59; ++s) {
    // p1 keeps answering.
    health.on_success("p1/up-1", std::chrono::milliseconds(100), clock.steady_now());
    EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p1") << s;
    clock.advance(std::chrono::seconds(1));
  }
  health.on_success("p1/up-1", std::chrono::milliseconds(100), clock.steady_now());
  clock.advance(std::chrono::seconds(1));
  // A minute without a measurement of p0: tried again rather than starved by an old figure.
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
  // It is fast now: its new figure replaces the stale one instead of being averaged with it.
  health.on_success("p0/up-0", std::chrono::milliseconds(50), clock.steady_now());
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
  EXPECT_DOUBLE_EQ(health.latency_ewma_ms("p0/up-0"), 50);
}

// p0 was measured slow a minute ago; p1 answers fast all along.
void make_p0_stale(ManualClock& clock, DeploymentHealth& health) {
  health.on_success("p0/up-0", std::chrono::milliseconds(900), clock.steady_now());
  clock.advance(kLatencyStale);
  health.on_success("p1/up-1", std::chrono::milliseconds(100), clock.steady_now());
}

// A deployment the filter leaves out is not ranked at all: a request that cannot use it never
// holds its latency probe, so the next request that can still probes it.
TEST(Router, AFilteredOutDeploymentIsNeverClaimedAsALatencyProbe) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  make_p0_stale(clock, health);
  const Router::DeploymentFilter only_p1 = [](const config::Deployment& d) { return d.provider == "p1"; };
  auto filtered = router.plan(cfg.models["m"], {}, only_p1);
  ASSERT_TRUE(filtered);
  auto probe = router.plan(cfg.models["m"]);  // made while the filtered plan is alive
  ASSERT_TRUE(probe);
  EXPECT_EQ(drain(*probe).front(), "p0");
  EXPECT_EQ(drain(*filtered), (std::vector<std::string>{"p1"}));
}

TEST(Router, LatencyStaleDeploymentIsProbedByOneRequestAtATime) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  make_p0_stale(clock, health);
  {
    auto probe = router.plan(cfg.models["m"]);  // the first request probes p0 ...
    ASSERT_TRUE(probe);
    EXPECT_EQ(drain(*probe).front(), "p0");
    for (int i = 0; i < 5; ++i) {  // ... and while it does, the others take the measured order
      EXPECT_EQ(drain(*router.plan(cfg.models["m"])), (std::vector<std::string>{"p1", "p0"})) << i;
    }
  }
  // That request ended without a measurement (it failed over, say): the next one probes again.
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
}

TEST(Router, LatencyColdStartSpreadsTheFirstRequestsOverTheDeployments) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  std::vector<RoutePlan> plans;  // requests in flight, nothing measured yet
  std::vector<std::string> first;
  for (int i = 0; i < 3; ++i) {
    auto plan = router.plan(cfg.models["m"]);
    ASSERT_TRUE(plan);
    auto a = plan->next();
    first.push_back(a->deployment->provider);
    health.on_start(a->id);
    plans.push_back(std::move(*plan));
  }
  EXPECT_EQ(first, (std::vector<std::string>{"p0", "p1", "p2"}));  // each probes another
  // Every deployment is being probed: the next request goes to the least busy, not to the first.
  health.on_start("p0/up-0");
  health.on_start("p2/up-2");
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p1");
}

// Guards for the probe rule (they passed before it too): a deployment measured at 0 ms (a fast
// local upstream) is measured, not a probe; and a cooling deployment is not claimed for a probe
// that cannot happen.
TEST(Router, LatencyMeasuredAtZeroMillisecondsIsMeasuredNotAProbe) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  health.on_success("p0/up-0", std::chrono::milliseconds(0), clock.steady_now());
  health.on_success("p1/up-1", std::chrono::milliseconds(100), clock.steady_now());
  auto held = router.plan(cfg.models["m"]);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0") << i;
  }
}

TEST(Router, LatencyCoolingStaleDeploymentIsNotClaimedForAProbe) {
  auto cfg = make_config(config::RouteStrategy::Latency, {1, 1});
  ManualClock clock;
  DeploymentHealth health(clock);
  Router router(cfg, health);
  make_p0_stale(clock, health);
  Error e = make_error(Code::RateLimited, "slow down");
  e.retryable = true;
  health.on_failure("p0/up-0", e, clock.steady_now());  // 1 s
  auto held = router.plan(cfg.models["m"]);
  EXPECT_EQ(drain(*held), (std::vector<std::string>{"p1"}));
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(drain(*router.plan(cfg.models["m"])).front(), "p0");
}

}  // namespace
}  // namespace gw
