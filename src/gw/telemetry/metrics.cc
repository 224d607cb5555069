#include "gw/telemetry/metrics.h"

#include <fmt/format.h>

namespace gw {

namespace {

std::string escape(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string number(double v) { return fmt::format("{}", v); }

void render_counter(std::string& out, const char* name, const char* help,
                    const std::map<std::string, double>& values) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (const auto& [labels, v] : values) {
    out += fmt::format("{}{} {}\n", name, labels, number(v));
  }
}

}  // namespace

std::string format_labels(const Labels& labels) {
  if (labels.empty()) {
    return "";
  }
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      out += ",";
    }
    out += labels[i].first + "=\"" + escape(labels[i].second) + "\"";
  }
  return out + "}";
}

Metrics::Metrics()
    : bounds_{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120} {}

void Metrics::add(std::map<std::string, double>& c, const std::string& labels, double v) {
  std::lock_guard lock(mu_);
  c[labels] += v;
}

void Metrics::observe(std::map<std::string, Histogram>& h, const std::string& labels, double v) {
  std::lock_guard lock(mu_);
  auto& hist = h[labels];
  if (hist.buckets.empty()) {
    hist.buckets.assign(bounds_.size(), 0);
  }
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) {
      ++hist.buckets[i];
    }
  }
  hist.sum += v;
  ++hist.count;
}

void Metrics::request_done(const std::string& route, const std::string& model,
                           const std::string& provider, unsigned status, double latency_s) {
  add(requests_,
      format_labels({{"route", route}, {"model", model}, {"provider", provider},
                     {"status", std::to_string(status)}}),
      1);
  observe(latency_, format_labels({{"route", route}, {"model", model}}), latency_s);
}

void Metrics::time_to_first_token(const std::string& model, const std::string& provider,
                                  double seconds) {
  observe(ttft_, format_labels({{"model", model}, {"provider", provider}}), seconds);
}

void Metrics::upstream_latency(const std::string& provider, double seconds) {
  observe(upstream_latency_, format_labels({{"provider", provider}}), seconds);
}

void Metrics::tokens(const std::string& model, const std::string& provider, uint64_t input,
                     uint64_t output, uint64_t cache_read, uint64_t cache_write) {
  auto l = [&](const char* dir) {
    return format_labels({{"model", model}, {"provider", provider}, {"direction", dir}});
  };
  add(tokens_, l("input"), static_cast<double>(input));
  add(tokens_, l("output"), static_cast<double>(output));
  add(tokens_, l("cache_read"), static_cast<double>(cache_read));
  add(tokens_, l("cache_write"), static_cast<double>(cache_write));
}

void Metrics::upstream_error(const std::string& provider, const std::string& code) {
  add(upstream_errors_, format_labels({{"provider", provider}, {"code", code}}), 1);
}

void Metrics::failover(const std::string& model) {
  add(failovers_, format_labels({{"model", model}}), 1);
}

void Metrics::rate_limited(const std::string& reason) {
  add(rate_limited_, format_labels({{"reason", reason}}), 1);
}

void Metrics::ledger_error() { add(ledger_errors_, "", 1); }

void Metrics::inflight_add(int delta) {
  std::lock_guard lock(mu_);
  inflight_ += delta;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  render_counter(out, "switchyard_requests_total", "Requests handled, by route, model, provider and status.",
                 requests_);
  render_counter(out, "switchyard_tokens_total", "Tokens metered, by model, provider and direction.", tokens_);
  render_counter(out, "switchyard_upstream_errors_total", "Failed upstream attempts, by provider and error.",
                 upstream_errors_);
  render_counter(out, "switchyard_failovers_total", "Attempts moved to another deployment.", failovers_);
  render_counter(out, "switchyard_rate_limited_total", "Requests refused by a limit or budget.", rate_limited_);
  render_counter(out, "switchyard_ledger_errors_total", "Ledger write failures.", ledger_errors_);
  auto hist = [&](const char* name, const char* help, const std::map<std::string, Histogram>& hs) {
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    for (const auto& [labels, h] : hs) {
      // Insert le="…" into the existing label set.
      std::string base = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
      for (size_t i = 0; i < bounds_.size(); ++i) {
        out += fmt::format("{}_bucket{}le=\"{}\"}} {}\n", name, base, number(bounds_[i]), h.buckets[i]);
      }
      out += fmt::format("{}_bucket{}le=\"+Inf\"}} {}\n", name, base, h.count);
      out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, labels, number(h.sum), name, labels, h.count);
    }
  };
  hist("switchyard_request_duration_seconds", "End-to-end request latency.", latency_);
  hist("switchyard_time_to_first_token_seconds", "Time from request to the first token sent.", ttft_);
  hist("switchyard_upstream_latency_seconds", "Time to the upstream's response headers.", upstream_latency_);
  out += fmt::format("# HELP switchyard_inflight_requests In-flight requests.\n"
                     "# TYPE switchyard_inflight_requests gauge\nswitchyard_inflight_requests {}\n",
                     inflight_);
  return out;
}

}  // namespace gw
