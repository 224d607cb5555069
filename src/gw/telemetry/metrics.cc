#include "gw/telemetry/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

namespace gw {

namespace {

// Prometheus label-value escaping: backslash, double quote and newline. Runs without any are
// appended whole (label values almost never have one).
void append_escaped(std::string& out, std::string_view v) {
  size_t run = 0;  // start of the pending run that needs no escape
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '"' && c != '\n') {
      continue;
    }
    out.append(v.data() + run, i - run);
    out += c == '\n' ? "\\n" : (c == '\\' ? "\\\\" : "\\\"");
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
}

// Renders `{k1="v1",...}` into a per-thread buffer and returns a view of it, valid until the next
// call on this thread. Label names are literals; values are escaped.
std::string_view labels_view(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  thread_local std::string buf;
  buf.clear();
  if (kv.size() == 0) {
    return buf;
  }
  buf.push_back('{');
  bool first = true;
  for (const auto& [k, v] : kv) {
    if (!first) {
      buf.push_back(',');
    }
    first = false;
    buf.append(k);
    buf.append("=\"");
    append_escaped(buf, v);
    buf.push_back('"');
  }
  buf.push_back('}');
  return buf;
}

template <typename Map>
typename Map::mapped_type& slot(Map& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) {
    it = m.emplace(std::string(key), typename Map::mapped_type{}).first;
  }
  return it->second;
}

std::string number(double v) { return fmt::format("{}", v); }

void render_counter(std::string& out, const char* name, const char* help,
                    const std::map<std::string, double, std::less<>>& values) {
  out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
  for (const auto& [labels, v] : values) {
    out += fmt::format("{}{} {}\n", name, labels, number(v));
  }
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
      ledger_bounds_{0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5} {}

void Metrics::add_locked(Counters& c, std::string_view labels, double v) { slot(c, labels) += v; }

void Metrics::observe_locked(Histograms& h, std::string_view labels, double v, const Bounds& bounds) {
  auto& hist = slot(h, labels);
  // Buckets are stored per interval (the first bound >= v) and summed when rendered.
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), v);
  if (it != bounds.end()) {
    ++hist.buckets[static_cast<size_t>(it - bounds.begin())];
  }
  hist.sum += v;
  ++hist.count;
}

void Metrics::request_done(std::string_view route, std::string_view model, std::string_view provider,
                           unsigned status, double latency_s, double ttft_s) {
  char status_text[8];
  const auto end = fmt::format_to_n(status_text, sizeof status_text, "{}", status).out;
  const std::string_view st(status_text, static_cast<size_t>(end - status_text));
  std::lock_guard lock(mu_);
  add_locked(requests_, labels_view({{"route", route}, {"model", model}, {"provider", provider}, {"status", st}}),
             1);
  observe_locked(latency_, labels_view({{"route", route}, {"model", model}}), latency_s, bounds_);
  if (ttft_s >= 0) {
    observe_locked(ttft_, labels_view({{"model", model}, {"provider", provider}}), ttft_s, bounds_);
  }
}

void Metrics::upstream_latency(std::string_view provider, double seconds) {
  std::lock_guard lock(mu_);
  observe_locked(upstream_latency_, labels_view({{"provider", provider}}), seconds, bounds_);
}

void Metrics::tokens(std::string_view model, std::string_view provider, uint64_t input, uint64_t output,
                     uint64_t cache_read, uint64_t cache_write) {
  std::lock_guard lock(mu_);
  auto& t = slot(tokens_, labels_view({{"model", model}, {"provider", provider}}));
  t[0] += static_cast<double>(input);
  t[1] += static_cast<double>(output);
  t[2] += static_cast<double>(cache_read);
  t[3] += static_cast<double>(cache_write);
}

void Metrics::upstream_error(std::string_view provider, std::string_view code) {
  std::lock_guard lock(mu_);
  add_locked(upstream_errors_, labels_view({{"provider", provider}, {"code", code}}), 1);
}

void Metrics::failover(std::string_view model) {
  std::lock_guard lock(mu_);
  add_locked(failovers_, labels_view({{"model", model}}), 1);
}

void Metrics::rate_limited(std::string_view reason) {
  std::lock_guard lock(mu_);
  add_locked(rate_limited_, labels_view({{"reason", reason}}), 1);
}

void Metrics::ledger_error() {
  std::lock_guard lock(mu_);
  add_locked(ledger_errors_, "", 1);
}

void Metrics::limiter_fail_open(std::string_view check, std::string_view reason) {
  std::lock_guard lock(mu_);
  add_locked(limiter_fail_open_, labels_view({{"check", check}, {"reason", reason}}), 1);
}

void Metrics::ledger_wait(double seconds) {
  std::lock_guard lock(mu_);
  observe_locked(ledger_wait_, "", seconds, ledger_bounds_);
}

void Metrics::inflight_add(int delta) { inflight_.fetch_add(delta, std::memory_order_relaxed); }

std::string Metrics::render(const LedgerTotals* ledger, const std::vector<CommitmentGauge>& commitments) const {
  std::lock_guard lock(mu_);
  std::string out;
  render_counter(out, "switchyard_requests_total", "Requests handled, by route, model, provider and status.",
                 requests_);
  out += "# HELP switchyard_tokens_total Tokens metered, by model, provider and direction.\n"
         "# TYPE switchyard_tokens_total counter\n";
  static constexpr const char* kDirections[] = {"input", "output", "cache_read", "cache_write"};
  for (const auto& [labels, t] : tokens_) {
    // labels is `{model="…",provider="…"}`: the direction goes in before the closing brace.
    const std::string_view base(labels.data(), labels.size() - 1);
    for (size_t i = 0; i < t.size(); ++i) {
      out += fmt::format("switchyard_tokens_total{},direction=\"{}\"}} {}\n", base, kDirections[i], number(t[i]));
    }
  }
  render_counter(out, "switchyard_upstream_errors_total", "Failed upstream attempts, by provider and error.",
                 upstream_errors_);
  render_counter(out, "switchyard_failovers_total", "Attempts moved to another deployment.", failovers_);
  render_counter(out, "switchyard_rate_limited_total", "Requests refused by a limit or budget.", rate_limited_);
  render_counter(out, "switchyard_ledger_errors_total", "Ledger write failures.", ledger_errors_);
  render_counter(out, "switchyard_limiter_fail_open_total",
                 "Requests admitted without a limit check: Redis unavailable, or a script error.",
                 limiter_fail_open_);
  if (ledger != nullptr) {
    // records / commits is the group commit's batch size: how many requests one fsync served.
    out += fmt::format(
        "# HELP switchyard_ledger_records_total Usage records written to the ledger.\n"
        "# TYPE switchyard_ledger_records_total counter\nswitchyard_ledger_records_total {}\n"
        "# HELP switchyard_ledger_commits_total Ledger transactions (group commits) that carried them.\n"
        "# TYPE switchyard_ledger_commits_total counter\nswitchyard_ledger_commits_total {}\n",
        ledger->records, ledger->commits);
  }
  if (!commitments.empty()) {
    auto gauge = [&](const char* name, const char* help, int64_t CommitmentGauge::*field) {
      out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
      for (const auto& c : commitments) {
        out += fmt::format("{}{} {}\n", name, labels_view({{"commitment", c.name}}),
                           number(static_cast<double>(c.*field) / 1e9));
      }
    };
    gauge("switchyard_commitment_usd", "USD committed to spend with a cloud in the current period.",
          &CommitmentGauge::committed_nano_usd);
    gauge("switchyard_commitment_spent_usd", "USD spent toward the commitment so far this period.",
          &CommitmentGauge::spent_nano_usd);
    gauge("switchyard_commitment_pace_usd", "USD an even pace through the period would have spent by now.",
          &CommitmentGauge::pace_nano_usd);
  }
  auto hist = [&](const char* name, const char* help, const Histograms& hs, const Bounds& bounds) {
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    for (const auto& [labels, h] : hs) {
      // Insert le="…" into the existing label set.
      std::string base = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < bounds.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("{}_bucket{}le=\"{}\"}} {}\n", name, base, number(bounds[i]), cumulative);
      }
      out += fmt::format("{}_bucket{}le=\"+Inf\"}} {}\n", name, base, h.count);
      out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, labels, number(h.sum), name, labels, h.count);
    }
  };
  hist("switchyard_request_duration_seconds", "End-to-end request latency.", latency_, bounds_);
  hist("switchyard_time_to_first_token_seconds", "Time from request to the first token sent.", ttft_, bounds_);
  hist("switchyard_upstream_latency_seconds", "Time to the upstream's response headers.", upstream_latency_,
       bounds_);
  hist("switchyard_ledger_wait_seconds",
       "Time a request waited for its usage record (strict: until its group commit is durable).", ledger_wait_,
       ledger_bounds_);
  out += fmt::format("# HELP switchyard_inflight_requests In-flight requests.\n"
                     "# TYPE switchyard_inflight_requests gauge\nswitchyard_inflight_requests {}\n",
                     inflight_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace gw
