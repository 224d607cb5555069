#include "gw/routing/health.h"

#include <algorithm>

namespace gw {

namespace {
// Outlier ejection: after this many failures in a row a deployment rests, longer each time.
constexpr int kEjectAfter = 3;
// Failures of attempts already in flight count once within this span of the counted one: long
// enough for a burst of resets, short enough that a hung upstream's timeouts, which arrive one
// after another as each request's own timer ends, still count apart.
constexpr auto kSameOutage = std::chrono::seconds(1);
constexpr auto kEjectBase = std::chrono::seconds(5);
constexpr auto kEjectMax = std::chrono::seconds(60);
constexpr double kEwmaAlpha = 0.3;
// The cool-down of a 429 that names no wait, doubled for each 429 since the last success.
constexpr auto kThrottleBase = std::chrono::seconds(1);

std::chrono::seconds throttle_backoff(int throttles) {
  const int doublings = std::min(throttles, 16);  // 2^16 s is past kMaxRetryAfter already
  return std::min<std::chrono::seconds>(kThrottleBase * (int64_t{1} << doublings), kMaxRetryAfter);
}
}  // namespace

SteadyTime DeploymentHealth::on_start(const std::string& id) {
  std::lock_guard lock(mu_);
  ++states_[id].inflight;
  return clock_.steady_now();
}

void DeploymentHealth::on_end(const std::string& id) {
  std::lock_guard lock(mu_);
  auto& s = states_[id];
  s.inflight = std::max(0, s.inflight - 1);
}

void DeploymentHealth::on_success(const std::string& id, std::chrono::milliseconds latency,
                                  SteadyTime started) {
  std::lock_guard lock(mu_);
  auto& s = states_[id];
  // Older news than the failures or 429s counted since it began resets nothing (health.h).
  if (started >= s.failure_counted_at) {
    s.consecutive_failures = 0;
  }
  if (started >= s.throttle_counted_at) {
    s.throttles = 0;
  }
  const auto now = clock_.steady_now();
  const double ms = static_cast<double>(latency.count());
  const auto known = s.latency_at(now);  // stale data is dropped, not averaged in
  s.ewma_ms = known ? kEwmaAlpha * ms + (1 - kEwmaAlpha) * *known : ms;
  s.measured_at = now;
}

void DeploymentHealth::on_failure(const std::string& id, const Error& err, SteadyTime started) {
  if (!err.retryable) {
    return;  // the request's fault, not the deployment's
  }
  std::lock_guard lock(mu_);
  auto& s = states_[id];
  const auto now = clock_.steady_now();
  // The wait the upstream named (retry-after), as a cool-down of at most kMaxRetryAfter.
  const std::optional<std::chrono::seconds> named_wait =
      err.retry_after_s && *err.retry_after_s > 0
          ? std::optional(std::min<std::chrono::seconds>(std::chrono::seconds(*err.retry_after_s), kMaxRetryAfter))
          : std::nullopt;
  if (err.code == Code::RateLimited) {
    // Throttled: rest for the upstream's wait, else the back-off; not a failure (health.h).
    if (started >= s.throttle_counted_at) {  // not one of a batch of 429s already counted
      ++s.throttles;
      s.throttle_counted_at = now;
    }
    const auto d = named_wait.value_or(throttle_backoff(std::max(0, s.throttles - 1)));
    if (now + d >= s.cool_until) {  // a longer ejection stays one
      s.cool_until = now + d;
      s.throttled = true;
    }
    return;
  }
  if (named_wait) {
    // The upstream told us when to come back (a 503's retry-after): honour it as a cool-down.
    if (now + *named_wait > s.cool_until) {
      s.cool_until = now + *named_wait;
      s.throttled = false;
    }
  }
  if (started < s.failure_counted_at && now - s.failure_counted_at < kSameOutage) {
    return;  // in flight with the failure counted last, and failing with it: the same outage (health.h)
  }
  ++s.consecutive_failures;
  s.failure_counted_at = now;
  if (s.consecutive_failures >= kEjectAfter) {
    auto d = std::min<std::chrono::seconds>(kEjectBase * (s.consecutive_failures - kEjectAfter + 1),
                                            kEjectMax);
    if (now + d > s.cool_until) {
      s.cool_until = now + d;
      s.throttled = false;
    }
  }
}

std::optional<std::chrono::milliseconds> DeploymentHealth::cooling(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(id);
  if (it == states_.end()) {
    return std::nullopt;
  }
  const auto now = clock_.steady_now();
  if (it->second.cool_until <= now) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(it->second.cool_until - now);
}

bool DeploymentHealth::throttled(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(id);
  return it != states_.end() && it->second.throttled && it->second.cool_until > clock_.steady_now();
}

int DeploymentHealth::inflight(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(id);
  return it == states_.end() ? 0 : it->second.inflight;
}

double DeploymentHealth::latency_ewma_ms(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(id);
  return it == states_.end() ? 0 : it->second.latency_at(clock_.steady_now()).value_or(0);
}

void DeploymentHealth::end_probe(const std::string& id) {
  std::lock_guard lock(mu_);
  states_[id].probing = false;
}

std::vector<size_t> DeploymentHealth::latency_order(const std::vector<std::string>& ids,
                                                    LatencyProbe& probe) {
  struct Rank {
    int group;   // 0: this request's probe, 1: measured, 2: unmeasured (probed by others)
    double key;  // latency in group 1, in-flight attempts in group 2
    size_t index;
  };
  std::vector<Rank> ranks;
  ranks.reserve(ids.size());
  std::optional<size_t> claimed;
  {
    std::lock_guard lock(mu_);
    const auto now = clock_.steady_now();
    for (size_t i = 0; i < ids.size(); ++i) {
      State& s = states_[ids[i]];
      if (auto ms = s.latency_at(now)) {
        ranks.push_back({1, *ms, i});
      } else if (!claimed && !probe.claim_ && !s.probing && s.cool_until <= now) {
        s.probing = true;
        claimed = i;
        ranks.push_back({0, 0, i});
      } else {
        ranks.push_back({2, static_cast<double>(s.inflight), i});
      }
    }
  }
  std::stable_sort(ranks.begin(), ranks.end(), [](const Rank& a, const Rank& b) {
    return a.group != b.group ? a.group < b.group : a.key < b.key;
  });
  if (claimed) {
    // Outside the lock: the deleter takes it when the request's last RoutePlan copy goes.
    probe.claim_ = std::shared_ptr<const std::string>(new std::string(ids[*claimed]),
                                                      [this](const std::string* id) {
                                                        end_probe(*id);
                                                        delete id;
                                                      });
  }
  std::vector<size_t> order;
  order.reserve(ranks.size());
  for (const Rank& r : ranks) {
    order.push_back(r.index);
  }
  return order;
}

}  // namespace gw
