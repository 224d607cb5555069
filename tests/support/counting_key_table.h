#pragma once
// A KeyTable around a real one that counts the store's calls and can make them misbehave: which
// database calls authenticate() makes, and what it does while a reload hangs or lookups fail.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "eventually.h"
#include "gw/auth/key_table.h"

namespace gw::testing {

class CountingKeyTable final : public KeyTable {
 public:
  explicit CountingKeyTable(std::unique_ptr<KeyTable> inner) : inner_(std::move(inner)) {}

  int lookups() const { return lookups_.load(); }                 // find_active calls
  int reloads_started() const { return reloads_started_.load(); }  // active() calls
  int reloads_done() const { return reloads_done_.load(); }        // ... that returned them
  // Whether a reload is waiting in the stall right now (stall_reloads()). Wait for this after
  // stalling, not for a count to grow: a reload counted just before the count was read may be the
  // one that stalls, and then no other ever starts (the test hung that way under load).
  bool reload_stalled() const {
    std::lock_guard lk(mu_);
    return waiting_ > 0;
  }

  // Returns once every reload that had started before the call has been applied by the store: its
  // rows swapped into the index and its outcome logged (keys_database_recovered, keys_index_fresh).
  // reloads_done() does not say that (the table has returned the rows, the store has not used them
  // yet); but the store's thread starts its next reload only after all that, so the start of one
  // more reload does. Needs a store that reloads by itself (stalling is fine: a reload counts as
  // started before it reads).
  void wait_until_reloads_applied() const {
    const int started = reloads_started();
    eventually([&] { return reloads_started() > started; });
  }

  // While stalled, active() (the reload) has read its rows but waits inside the "database" before
  // returning them, until unstalled or let through one at a time.
  void stall_reloads(bool on) {
    std::lock_guard lk(mu_);
    stalled_ = on;
    cv_.notify_all();  // under the lock: once woken, the store may be destroyed, and this with it
  }
  void let_one_reload_finish() {
    std::lock_guard lk(mu_);
    ++permits_;
    cv_.notify_all();
  }
  // While on, find_active fails as an unreachable database does.
  void fail_lookups(bool on) { fail_lookups_ = on; }

  Result<std::optional<KeyRow>> find_active(const std::string& hash) override {
    ++lookups_;
    if (fail_lookups_) {
      return make_error(Code::Internal, "keys database: connection refused (simulated)");
    }
    return inner_->find_active(hash);
  }
  Result<std::vector<KeyRow>> active() override {
    ++reloads_started_;
    auto r = inner_->active();
    {
      std::unique_lock lk(mu_);
      const auto may_return = [this] { return !stalled_ || permits_ > 0; };
      if (!may_return()) {
        ++waiting_;
        cv_.wait(lk, may_return);
        --waiting_;
      }
      if (stalled_) {
        --permits_;
      }
    }
    ++reloads_done_;
    return r;
  }
  Result<std::vector<KeyInfo>> all() override { return inner_->all(); }
  Result<bool> active_name_exists(const std::string& name) override { return inner_->active_name_exists(name); }
  Result<void> insert(const KeyRow& row) override { return inner_->insert(row); }
  Result<std::optional<std::string>> hash_of(const std::string& id) override { return inner_->hash_of(id); }
  Result<void> mark_revoked(const std::string& id, const std::string& at) override {
    return inner_->mark_revoked(id, at);
  }

 private:
  std::unique_ptr<KeyTable> inner_;
  std::atomic<int> lookups_{0};
  std::atomic<int> reloads_started_{0};
  std::atomic<int> reloads_done_{0};
  std::atomic<bool> fail_lookups_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stalled_ = false;
  int permits_ = 0;
  int waiting_ = 0;  // reloads waiting in the stall
};

// Wraps `inner`; *out points at the wrapper, which the store (its owner) keeps alive.
inline std::unique_ptr<KeyTable> counting(std::unique_ptr<KeyTable> inner, CountingKeyTable** out) {
  auto t = std::make_unique<CountingKeyTable>(std::move(inner));
  *out = t.get();
  return t;
}

}  // namespace gw::testing
