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
// its attempt began after the last counted failure; a 429 doubles the back-off only if its
// attempt began after the last counted 429; a success resets either only if its attempt began
// after the last one counted. So the requests in flight when a deployment goes down, which fail
// together, count once, and a one-second outage does not eject it, while a dead deployment (every
// new attempt refused) is still ejected after three attempts. (Envoy's consecutive_5xx counts
// every response, so there a burst of concurrent failures ejects at once.)
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gw/common/clock.h"
#include "gw/common/error.h"

namespace gw {

// The longest cool-down an upstream's retry-after (or the throttle back-off) can impose on a
// deployment, and so the longest retry-after the gateway passes on to a client for it.
inline constexpr std::chrono::seconds kMaxRetryAfter{300};
// A latency measurement older than this no longer ranks a deployment (latency_ewma_ms).
inline constexpr std::chrono::seconds kLatencyStale{60};

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
  // 0 = not measured, or not in the last kLatencyStale: the latency strategy then tries it first,
  // so a deployment once measured slow (a cold connection, a bad minute) is probed again instead
  // of starved for as long as a faster one keeps answering.
  double latency_ewma_ms(const std::string& id) const;

 private:
  struct State {
    SteadyTime cool_until{};
    bool throttled = false;
    int consecutive_failures = 0;
    SteadyTime failure_counted_at{};  // the last failure that counted toward consecutive_failures
    int throttles = 0;  // 429s since the last success: the back-off without retry-after doubles
    SteadyTime throttle_counted_at{};  // the last 429 that counted toward throttles
    int inflight = 0;
    double ewma_ms = 0;
    SteadyTime measured_at{};
    // ewma_ms while it is fresh (kLatencyStale), else 0: not measured.
    double latency_at(SteadyTime now) const { return now - measured_at < kLatencyStale ? ewma_ms : 0; }
  };
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, State> states_;
};

}  // namespace gw
