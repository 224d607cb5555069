#include "gw/routing/commitments.h"

#include <algorithm>
#include <limits>

#include "gw/common/thread_name.h"
#include "gw/telemetry/access_log.h"

namespace gw {

namespace {

SystemTime at_ms(int64_t ms) { return SystemTime{std::chrono::milliseconds{ms}}; }

}  // namespace

CommitmentTracker::CommitmentTracker(const config::Config& cfg, const Clock& clock) : clock_(clock) {
  const int64_t now = unix_ms(clock_.now());
  for (const auto& [name, c] : cfg.commitments) {
    State s;
    s.commitment = &c;
    s.period = budget_period_bounds(c.period, at_ms(now));
    s.settled_until_ms = s.period.start_ms;
    for (const auto& p : c.providers) {
      by_provider_.emplace(p, states_.size());
    }
    states_.push_back(s);
  }
}

CommitmentTracker::~CommitmentTracker() {
  {
    std::lock_guard lk(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) {
    refresher_.join();
  }
}

void CommitmentTracker::start(ProviderSpendQuery query, std::chrono::milliseconds refresh_every) {
  if (states_.empty()) {
    return;
  }
  query_ = std::move(query);
  refresh();
  refresher_ = std::thread([this, refresh_every] {
    name_this_thread("sy-commitments");
    refresher(refresh_every);
  });
}

void CommitmentTracker::refresher(std::chrono::milliseconds every) {
  std::unique_lock lk(stop_mu_);
  while (!stop_cv_.wait_for(lk, every, [&] { return stopping_; })) {
    lk.unlock();
    refresh();
    lk.lock();
  }
}

void CommitmentTracker::roll_locked(State& s, int64_t now_ms) const {
  if (now_ms < *s.period.end_ms) {
    return;
  }
  // A new period starts from nothing: only requests that start in it count toward it.
  s.period = budget_period_bounds(s.commitment->period, at_ms(now_ms));
  s.settled_until_ms = s.period.start_ms;
  s.settled = s.recent = s.local = 0;
}

void CommitmentTracker::refresh() {
  if (!query_) {
    return;
  }
  const int64_t now = unix_ms(clock_.now());
  for (size_t i = 0; i < states_.size(); ++i) {
    PeriodBounds period;
    int64_t from = 0;
    const config::Commitment* c = nullptr;
    {
      std::lock_guard lk(mu_);
      roll_locked(states_[i], now);
      period = states_[i].period;
      from = states_[i].settled_until_ms;
      c = states_[i].commitment;
    }
    // The database is read without the lock: requests keep metering meanwhile.
    const int64_t settle_to = std::clamp(now - std::chrono::milliseconds(kSettledAfter).count(), from, *period.end_ms);
    int64_t newly_settled = 0;
    if (settle_to > from) {
      auto settled = query_(c->providers, from, settle_to);
      if (!settled) {
        log_event("commitment_refresh_failed", c->name + ": " + settled.error().message);
        continue;
      }
      newly_settled = *settled;
    }
    auto recent = query_(c->providers, settle_to, *period.end_ms);
    if (!recent) {
      log_event("commitment_refresh_failed", c->name + ": " + recent.error().message);
      continue;
    }
    std::lock_guard lk(mu_);
    State& s = states_[i];
    if (s.period.start_ms != period.start_ms) {
      continue;  // a new period began while reading: the next refresh reads that one
    }
    s.settled += newly_settled;
    s.settled_until_ms = settle_to;
    s.recent = *recent;
    // What was metered here is in the ledger now, or will be by the next read (a record still
    // in flight in the writer is missed for one refresh interval, never counted twice for long).
    s.local = 0;
  }
}

void CommitmentTracker::add(const std::string& provider, int64_t cost_nano_usd, int64_t time_ms) {
  auto it = by_provider_.find(provider);
  if (it == by_provider_.end() || cost_nano_usd <= 0) {
    return;
  }
  const int64_t now = unix_ms(clock_.now());
  std::lock_guard lk(mu_);
  State& s = states_[it->second];
  roll_locked(s, now);
  if (time_ms >= s.period.start_ms) {
    s.local += cost_nano_usd;
  }
}

CommitmentBurn CommitmentTracker::burn_locked(State& s, int64_t now_ms) const {
  roll_locked(s, now_ms);
  CommitmentBurn b;
  b.commitment = s.commitment;
  b.period = s.period;
  b.spent_nano_usd = s.settled + s.recent + s.local;
  const double length = static_cast<double>(*s.period.end_ms - s.period.start_ms);
  b.elapsed = std::clamp(static_cast<double>(now_ms - s.period.start_ms) / length, 0.0, 1.0);
  return b;
}

std::optional<CommitmentBurn> CommitmentTracker::burn(const std::string& provider) const {
  auto it = by_provider_.find(provider);
  if (it == by_provider_.end()) {
    return std::nullopt;
  }
  const int64_t now = unix_ms(clock_.now());
  std::lock_guard lk(mu_);
  return burn_locked(states_[it->second], now);
}

std::vector<CommitmentBurn> CommitmentTracker::all() const {
  const int64_t now = unix_ms(clock_.now());
  std::lock_guard lk(mu_);
  std::vector<CommitmentBurn> out;
  for (auto& s : states_) {
    out.push_back(burn_locked(s, now));
  }
  return out;
}

}  // namespace gw
