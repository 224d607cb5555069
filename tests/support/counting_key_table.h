#pragma once
// A KeyTable around a real one that counts the store's calls and can make them misbehave: which
// database calls authenticate() makes, and what it does while a reload hangs or lookups fail.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "gw/auth/key_table.h"

namespace gw::testing {

class CountingKeyTable final : public KeyTable {
 public:
  explicit CountingKeyTable(std::unique_ptr<KeyTable> inner) : inner_(std::move(inner)) {}

  int lookups() const { return lookups_.load(); }                 // find_active calls
  int reloads_started() const { return reloads_started_.load(); }  // active() calls
  int reloads_read() const { return reloads_read_.load(); }        // ... that have their rows
  int reloads_done() const { return reloads_done_.load(); }        // ... that returned them

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
    ++reloads_read_;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return !stalled_ || permits_ > 0; });
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
  std::atomic<int> reloads_read_{0};
  std::atomic<int> reloads_done_{0};
  std::atomic<bool> fail_lookups_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stalled_ = false;
  int permits_ = 0;
};

// Wraps `inner`; *out points at the wrapper, which the store (its owner) keeps alive.
inline std::unique_ptr<KeyTable> counting(std::unique_ptr<KeyTable> inner, CountingKeyTable** out) {
  auto t = std::make_unique<CountingKeyTable>(std::move(inner));
  *out = t.get();
  return t;
}

}  // namespace gw::testing
