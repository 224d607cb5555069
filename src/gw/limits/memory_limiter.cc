#include "gw/limits/memory_limiter.h"

#include <mutex>
#include <unordered_map>

#include "gw/config/budget_period.h"
#include "gw/limits/sliding_window.h"

namespace gw {

namespace {

struct BudgetState {
  config::BudgetPeriod period = config::BudgetPeriod::Total;
  PeriodBounds bounds;
  int64_t settled = 0;   // nano-USD settled in this period
  int64_t reserved = 0;  // nano-USD held by unsettled reservations of this period
};

// State shared with every Reservation, so a reservation may outlive the limiter safely.
struct Core {
  Core(const Clock& c, Ledger* l) : clock(c), ledger(l) {}
  const Clock& clock;
  Ledger* ledger;
  std::mutex mu;
  std::unordered_map<std::string, SlidingWindow> key_windows;
  std::unordered_map<std::string, SlidingWindow> deployment_windows;
  std::unordered_map<std::string, BudgetState> budgets;
};

int64_t seconds_until(int64_t now_ms, int64_t end_ms) {
  return std::max<int64_t>(1, (end_ms - now_ms + 999) / 1000);
}

class WindowReservation : public Reservation {
 public:
  WindowReservation(std::shared_ptr<Core> core, std::unordered_map<std::string, SlidingWindow> Core::*map,
                    std::string name, std::optional<uint64_t> entry, int64_t est_tokens)
      : core_(std::move(core)), map_(map), name_(std::move(name)), entry_(entry), est_tokens_(est_tokens) {}

  ~WindowReservation() override {
    if (!settled_ && entry_) {
      std::lock_guard lk(core_->mu);
      release_locked();
    }
  }

  void settle(const Usage& actual, int64_t cost_nano_usd) override {
    std::lock_guard lk(core_->mu);
    settle_locked(actual, cost_nano_usd);
  }

 protected:
  virtual void settle_locked(const Usage& actual, int64_t) {
    if (settled_) {
      return;
    }
    settled_ = true;
    if (entry_) {
      const int64_t used = clamp_amount(actual.total());
      ((*core_).*map_)[name_].adjust(*entry_, used - est_tokens_);
    }
  }
  virtual void release_locked() {
    if (entry_) {
      ((*core_).*map_)[name_].remove(*entry_);
    }
  }

  std::shared_ptr<Core> core_;
  bool settled_ = false;

 private:
  std::unordered_map<std::string, SlidingWindow> Core::*map_;
  std::string name_;
  std::optional<uint64_t> entry_;
  int64_t est_tokens_;
};

// A key's reservation: its window entry and, with a budget, its reserved estimate.
class KeyReservation final : public WindowReservation {
 public:
  KeyReservation(std::shared_ptr<Core> core, std::string key_id, std::optional<uint64_t> entry,
                 int64_t est_tokens, std::optional<int64_t> budget_period_start, int64_t est_cost)
      : WindowReservation(std::move(core), &Core::key_windows, key_id, entry, est_tokens),
        key_id_(std::move(key_id)),
        period_start_(budget_period_start),
        est_cost_(est_cost) {}

  ~KeyReservation() override {
    if (!settled_) {
      std::lock_guard lk(core_->mu);
      release_locked();
      settled_ = true;  // the base destructor must not release again
    }
  }

 private:
  // The budget state of the period this reservation was made in; null once that period is over
  // (the spend then belongs to the old period, as the ledger's time_ms attributes it).
  BudgetState* same_period_locked() {
    if (!period_start_) {
      return nullptr;
    }
    auto it = core_->budgets.find(key_id_);
    return it != core_->budgets.end() && it->second.bounds.start_ms == *period_start_ ? &it->second : nullptr;
  }

  void settle_locked(const Usage& actual, int64_t cost) override {
    if (settled_) {
      return;
    }
    if (BudgetState* b = same_period_locked()) {
      b->reserved -= est_cost_;
      b->settled = saturating_add(b->settled, clamp_amount(cost));
    }
    WindowReservation::settle_locked(actual, cost);
  }

  void release_locked() override {
    if (BudgetState* b = same_period_locked()) {
      b->reserved -= est_cost_;
    }
    WindowReservation::release_locked();
  }

  std::string key_id_;
  std::optional<int64_t> period_start_;
  int64_t est_cost_;
};

class MemoryLimiter final : public Limiter {
 public:
  MemoryLimiter(const Clock& clock, Ledger* ledger) : core_(std::make_shared<Core>(clock, ledger)) {}

  net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_key(const Principal& who,
                                                                  const Estimate& est) override {
    co_return admit_key(who, est);
  }

  net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_deployment(
      const std::string& deployment_id, std::optional<int64_t> rpm, std::optional<int64_t> tpm,
      uint64_t est_tokens) override {
    co_return admit_deployment(deployment_id, rpm, tpm, est_tokens);
  }

 private:
  Result<std::unique_ptr<Reservation>> admit_key(const Principal& who, const Estimate& est) {
    const int64_t tokens = clamp_amount(est.tokens);
    const int64_t cost = clamp_amount(est.cost_nano_usd);
    if (who.budget) {
      if (auto seeded = seed_budget(who); !seeded) {
        return seeded.error();
      }
    }
    std::lock_guard lk(core_->mu);
    std::optional<int64_t> period_start;
    if (who.budget) {
      BudgetState& b = core_->budgets[who.key_id];
      const int64_t now_ms = unix_ms(core_->clock.now());
      if (b.bounds.end_ms && now_ms >= *b.bounds.end_ms) {
        // A new period: in-flight reservations of the old one no longer count against it.
        b.bounds = budget_period_bounds(b.period, core_->clock.now());
        b.settled = 0;
        b.reserved = 0;
      }
      if (saturating_add(b.settled, b.reserved) >= who.budget->nano_usd) {
        Error e = make_error(Code::BudgetExceeded, "budget exhausted for key '" + who.key_name + "'");
        if (b.settled < who.budget->nano_usd) {
          e.message = "budget of key '" + who.key_name + "' is held by requests in flight";
          e.retry_after_s = 1;
        } else {
          e.retry_after_s = b.bounds.end_ms ? seconds_until(now_ms, *b.bounds.end_ms) : kTotalBudgetRetryAfterS;
        }
        return e;
      }
      period_start = b.bounds.start_ms;
    }
    std::optional<uint64_t> entry;
    if (who.rpm || who.tpm) {
      auto d = core_->key_windows[who.key_id].try_add(core_->clock.steady_now(), who.rpm, who.tpm, tokens);
      if (!d.id) {
        Error e = make_error(Code::RateLimited, "rate limit exceeded for key '" + who.key_name + "'");
        e.retry_after_s = d.retry_after_s;
        return e;
      }
      entry = d.id;
    }
    if (period_start) {
      auto& reserved = core_->budgets[who.key_id].reserved;
      reserved = saturating_add(reserved, cost);
    }
    return std::unique_ptr<Reservation>(
        std::make_unique<KeyReservation>(core_, who.key_id, entry, tokens, period_start, cost));
  }

  Result<std::unique_ptr<Reservation>> admit_deployment(const std::string& deployment_id,
                                                       std::optional<int64_t> rpm,
                                                       std::optional<int64_t> tpm,
                                                       uint64_t est_tokens) {
    const int64_t tokens = clamp_amount(est_tokens);
    std::optional<uint64_t> entry;
    if (rpm || tpm) {
      std::lock_guard lk(core_->mu);
      auto d = core_->deployment_windows[deployment_id].try_add(core_->clock.steady_now(), rpm, tpm, tokens);
      if (!d.id) {
        Error e = make_error(Code::RateLimited, "deployment '" + deployment_id + "' is at capacity");
        e.retryable = true;  // another deployment may take it
        e.retry_after_s = d.retry_after_s;
        return e;
      }
      entry = d.id;
    }
    return std::unique_ptr<Reservation>(std::make_unique<WindowReservation>(
        core_, &Core::deployment_windows, deployment_id, entry, tokens));
  }

  // The first time a key with a budget is seen (or its period kind changed), its spend so far in
  // the current period comes from the ledger. The query runs outside the mutex.
  Result<void> seed_budget(const Principal& who) {
    {
      std::lock_guard lk(core_->mu);
      auto it = core_->budgets.find(who.key_id);
      if (it != core_->budgets.end() && it->second.period == who.budget->period) {
        return {};
      }
    }
    BudgetState fresh;
    fresh.period = who.budget->period;
    fresh.bounds = budget_period_bounds(fresh.period, core_->clock.now());
    if (core_->ledger != nullptr) {
      auto spent = core_->ledger->spent_since(who.key_id, fresh.bounds.start_ms);
      if (!spent) {
        return make_error(Code::Internal, "cannot read the key's spend: " + spent.error().message);
      }
      fresh.settled = *spent;
    }
    std::lock_guard lk(core_->mu);
    auto it = core_->budgets.find(who.key_id);
    if (it == core_->budgets.end() || it->second.period != who.budget->period) {
      core_->budgets[who.key_id] = fresh;  // else another thread seeded it meanwhile
    }
    return {};
  }

  std::shared_ptr<Core> core_;
};

}  // namespace

std::unique_ptr<Limiter> make_memory_limiter(const Clock& clock, Ledger* ledger_for_budget_seed) {
  return std::make_unique<MemoryLimiter>(clock, ledger_for_budget_seed);
}

}  // namespace gw
