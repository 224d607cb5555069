#pragma once
#include <map>
#include <optional>

#include "gw/common/asio.h"
#include "gw/ledger/ledger.h"
#include "gw/limits/limiter.h"

namespace gw::test {

// A ledger that only answers spent_since, from a table the test fills.
class SpendLedger : public Ledger {
 public:
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> spend;  // key -> (time_ms, nano)
  int queries = 0;

  net::awaitable<Result<void>> record(UsageRecord) override { co_return Result<void>{}; }
  void flush_blocking() override {}
  Result<std::vector<UsageRow>> usage(const UsageQuery&) override { return std::vector<UsageRow>{}; }
  LedgerCounters counters() const override { return {}; }
  std::optional<Error> failing() const override { return std::nullopt; }
  Result<int64_t> provider_spend(const std::vector<std::string>&, int64_t, int64_t) override { return int64_t{0}; }
  Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) override {
    ++queries;
    int64_t sum = 0;
    for (const auto& [t, v] : spend[key_id]) {
      if (t >= since_ms) {
        sum += v;
      }
    }
    return sum;
  }
};

// Runs one awaitable to completion on a private io_context: the tests' way to call the awaitable
// Limiter interface from plain test code.
template <class T>
T run_sync(net::awaitable<T> op) {
  net::io_context io;
  std::optional<T> out;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
    if (e) {
      std::rethrow_exception(e);
    }
    out.emplace(std::move(v));
  });
  io.run();
  return std::move(*out);
}

// A Limiter with the same calls, made synchronous, so tests read as they did before admission
// became awaitable.
class SyncLimiter {
 public:
  explicit SyncLimiter(std::unique_ptr<Limiter> l) : limiter_(std::move(l)) {}
  Result<std::unique_ptr<Reservation>> reserve_key(const Principal& who, const Estimate& est) {
    return run_sync(limiter_->reserve_key(who, est));
  }
  Result<std::unique_ptr<Reservation>> reserve_deployment(const std::string& id, std::optional<int64_t> rpm,
                                                          std::optional<int64_t> tpm, uint64_t tokens) {
    return run_sync(limiter_->reserve_deployment(id, rpm, tpm, tokens));
  }

 private:
  std::unique_ptr<Limiter> limiter_;
};

inline std::unique_ptr<SyncLimiter> sync(std::unique_ptr<Limiter> l) {
  return std::make_unique<SyncLimiter>(std::move(l));
}

}  // namespace gw::test
