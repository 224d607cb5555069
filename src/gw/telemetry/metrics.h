#pragma once
// Prometheus metrics (text exposition 0.0.4, protocols.md 7.2). Counters and histograms keyed by
// their rendered label set; one mutex, taken a few times per request, never per stream chunk.
// The hot path allocates nothing once a series exists: label sets are built in a per-thread buffer
// and looked up by string_view.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

class Metrics {
 public:
  Metrics();
  // The end of a request, under one lock: its count and latency and, for a request that produced
  // tokens, its time to the first one (ttft_s < 0: none).
  void request_done(std::string_view route, std::string_view model, std::string_view provider,
                    unsigned status, double latency_s, double ttft_s = -1);
  void upstream_latency(std::string_view provider, double seconds);
  void tokens(std::string_view model, std::string_view provider, uint64_t input, uint64_t output,
              uint64_t cache_read, uint64_t cache_write);
  void upstream_error(std::string_view provider, std::string_view code);
  void failover(std::string_view model);
  void rate_limited(std::string_view reason);
  void inflight_add(int delta);
  void ledger_error();
  // A request admitted without its limit check by the shared limiter (Redis): `reason` is
  // "unavailable" (Redis unreachable or too slow) or "script_error" (a bug: Redis answered with an
  // error), so an outage and a broken script read apart.
  void limiter_fail_open(std::string_view check, std::string_view reason);
  // How long a request waited for its usage record (strict: until the group commit is durable).
  void ledger_wait(double seconds);

  // The text exposition. `ledger` adds the ledger's own counters (records and commits so far),
  // which the ledger keeps: telemetry does not depend on it.
  struct LedgerTotals {
    uint64_t records = 0;
    uint64_t commits = 0;
  };
  // A spending commitment's burn-down this period (routing/commitments.h), as gauges.
  struct CommitmentGauge {
    std::string name;
    int64_t committed_nano_usd = 0;
    int64_t spent_nano_usd = 0;
    int64_t pace_nano_usd = 0;  // what spending evenly through the period would have spent by now
  };
  std::string render(const LedgerTotals* ledger = nullptr,
                     const std::vector<CommitmentGauge>& commitments = {}) const;

  static constexpr size_t kBuckets = 14;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets> buckets{};  // per bucket; made cumulative at render time
    double sum = 0;
    uint64_t count = 0;
  };
  using Counters = std::map<std::string, double, std::less<>>;
  using Histograms = std::map<std::string, Histogram, std::less<>>;
  // Token counters per model/provider label set: input, output, cache_read, cache_write.
  using TokenCounters = std::map<std::string, std::array<double, 4>, std::less<>>;

  using Bounds = std::array<double, kBuckets>;
  void observe_locked(Histograms& h, std::string_view labels, double v, const Bounds& bounds);
  static void add_locked(Counters& c, std::string_view labels, double v);

  mutable std::mutex mu_;
  Bounds bounds_;         // request-scale latencies, 5 ms .. 120 s
  Bounds ledger_bounds_;  // the ledger's wait: an fsync is well under 5 ms
  Histograms ledger_wait_;
  Counters requests_, upstream_errors_, failovers_, rate_limited_, ledger_errors_, limiter_fail_open_;
  TokenCounters tokens_;
  Histograms latency_, ttft_, upstream_latency_;
  std::atomic<int64_t> inflight_{0};  // a gauge moved twice per request: no lock
};

}  // namespace gw
