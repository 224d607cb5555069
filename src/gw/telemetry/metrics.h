#pragma once
// Prometheus metrics (text exposition 0.0.4, protocols.md 7.2). Counters and histograms keyed by
// a label set; one mutex, touched a handful of times per request, never per stream chunk.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace gw {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  Metrics();
  void request_done(const std::string& route, const std::string& model, const std::string& provider,
                    unsigned status, double latency_s);
  void time_to_first_token(const std::string& model, const std::string& provider, double seconds);
  void upstream_latency(const std::string& provider, double seconds);
  void tokens(const std::string& model, const std::string& provider, uint64_t input, uint64_t output,
              uint64_t cache_read, uint64_t cache_write);
  void upstream_error(const std::string& provider, const std::string& code);
  void failover(const std::string& model);
  void rate_limited(const std::string& reason);
  void inflight_add(int delta);
  void ledger_error();

  std::string render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render time
    double sum = 0;
    uint64_t count = 0;
  };
  void observe(std::map<std::string, Histogram>& h, const std::string& labels, double v);
  void add(std::map<std::string, double>& c, const std::string& labels, double v);

  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::map<std::string, double> requests_, tokens_, upstream_errors_, failovers_, rate_limited_,
      ledger_errors_;
  std::map<std::string, Histogram> latency_, ttft_, upstream_latency_;
  int64_t inflight_ = 0;
};

// `{a="x",b="y"}` with values escaped per the exposition format.
std::string format_labels(const Labels& labels);

}  // namespace gw
