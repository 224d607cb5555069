#pragma once
// What routing knows about each deployment, shared by every worker: cool-downs (throttling by
// the upstream, or outlier ejection after consecutive failures), in-flight counts and an EWMA of
// latency. One mutex; touched once per attempt.
//
// Throttling (a 429) is not ill health: it cools the deployment down for the upstream's
// retry-after or, when it names none (Bedrock's ThrottlingException never does), for a back-off
// of 1 s doubling while it keeps throttling (capped by kMaxRetryAfter, reset by a success), and
// never counts toward ejection. Other retryable failures do.
//
// Outcomes count by when their attempt began. A failure counts as another one in a row only if
// its attempt began after the last counted failure, or it comes more than 1 s after it (a hung
// upstream's first-byte timeouts end one request at a time: each counts); a 429 doubles the back-off only if its
// attempt began after the last counted 429; a success resets either only if its attempt began
// after the last one counted. So the requests in flight when a deployment goes down, which fail
// together, count once, and a one-second outage does not eject it, while a dead deployment (every
// new attempt refused) is still ejected after three attempts. (Envoy's consecutive_5xx counts
// every response, so there a burst of concurrent failures ejects at once.)
//
// The latency strategy ranks by the EWMA of time to the response head. A deployment without a
// fresh measurement (never measured, or not within kLatencyStale) is probed by one request at a
// time, first in its plan, so that one measured slow once is tried again instead of starved; the
// other requests rank it after the measured ones instead of all sending it a burst.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gw/common/clock.h"
#include "gw/common/error.h"

namespace gw {

// The longest cool-down an upstream's retry-after (or the throttle back-off) can impose on a
// deployment, and so the longest retry-after the gateway passes on to a client for it.
inline constexpr std::chrono::seconds kMaxRetryAfter{300};
// A latency measurement older than this no longer ranks a deployment (latency_ewma_ms).
inline constexpr std::chrono::seconds kLatencyStale{60};

// One request's claim to probe a deployment's latency (DeploymentHealth::latency_order), held
// by its RoutePlan, copies included, and given up when the last of them goes. Empty: no probe.
class LatencyProbe {
 private:
  friend class DeploymentHealth;
  std::shared_ptr<const std::string> claim_;  // the deployment's id; the deleter gives it up
};

class DeploymentHealth {
 public:
  explicit DeploymentHealth(const Clock& clock) : clock_(clock) {}

  // An attempt begins: returns when, to hand back with its outcome (on_success, on_failure).
  SteadyTime on_start(const std::string& id);
  void on_success(const std::string& id, std::chrono::milliseconds latency, SteadyTime started);
  void on_failure(const std::string& id, const Error& err, SteadyTime started);
  void on_end(const std::string& id);  // pairs with on_start

  // Remaining cool-down, or nullopt when the deployment may take traffic.
  std::optional<std::chrono::milliseconds> cooling(const std::string& id) const;
  // True when the current cool-down came from the upstream throttling us (a 429), not from
  // failures: the client then hears "rate limited" rather than "unavailable".
  bool throttled(const std::string& id) const;
  int inflight(const std::string& id) const;
  // The EWMA, or 0 when not measured in the last kLatencyStale (latency_order tells that apart
  // from a measured 0 ms).
  double latency_ewma_ms(const std::string& id) const;
  // The latency strategy's ranking of `ids` (indices into it, best first): at most one deployment
  // without a fresh measurement that is not cooling down and that no other request is probing,
  // claimed into `probe` (empty before); then the measured ones, fastest first; then the other
  // unmeasured ones, least busy first (on a cold start the first requests each probe another).
  std::vector<size_t> latency_order(const std::vector<std::string>& ids, LatencyProbe& probe);

 private:
  struct State {
    SteadyTime cool_until{};
    bool throttled = false;
    int consecutive_failures = 0;
    SteadyTime failure_counted_at{};  // the last failure that counted toward consecutive_failures
    int throttles = 0;  // 429s since the last success: the back-off without retry-after doubles
    SteadyTime throttle_counted_at{};  // the last 429 that counted toward throttles
    int inflight = 0;
    bool probing = false;  // a LatencyProbe holds it
    double ewma_ms = 0;
    std::optional<SteadyTime> measured_at;
    // ewma_ms while it is fresh (kLatencyStale), else nullopt: not measured.
    std::optional<double> latency_at(SteadyTime now) const {
      if (!measured_at || now - *measured_at >= kLatencyStale) {
        return std::nullopt;
      }
      return ewma_ms;
    }
  };
  void end_probe(const std::string& id);  // a LatencyProbe's deleter

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, State> states_;
};

}  // namespace gw
