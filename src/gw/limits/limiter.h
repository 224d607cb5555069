#pragma once
// Rate limits and budgets: reserve an estimate at admission, settle with the actual usage
// (TensorZero's ticket borrow). A Reservation that is never settled refunds in its destructor.
// Two backends: memory_limiter.h (one process) and redis_limiter.h (shared by every replica).
// Admission is awaitable because the Redis backend asks Redis; the memory one co_returns at once.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "gw/auth/principal.h"
#include "gw/canonical/usage.h"
#include "gw/common/asio.h"
#include "gw/common/result.h"

namespace gw {

// Every amount a limiter counts (tokens, nano-USD) is clamped to [0, kMaxLimitAmount] first: Redis's
// Lua holds numbers as doubles, exact only to 2^53 and sent as "1e+17" from 1e17 on (which
// INCRBY refuses), and sums of such amounts must stay far from INT64_MAX. No real request comes
// near it (2^53 tokens, or 9 million USD), so clamping changes no honest outcome.
inline constexpr int64_t kMaxLimitAmount = int64_t{1} << 53;
inline int64_t clamp_amount(uint64_t v) {
  return v > static_cast<uint64_t>(kMaxLimitAmount) ? kMaxLimitAmount : static_cast<int64_t>(v);
}
inline int64_t clamp_amount(int64_t v) { return v < 0 ? 0 : v > kMaxLimitAmount ? kMaxLimitAmount : v; }
// a + b, pinned at the int64 range instead of overflowing (undefined behaviour).
inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? INT64_MAX : INT64_MIN;
  }
  return out;
}

struct Estimate {
  uint64_t tokens = 0;          // input estimate + max_tokens
  int64_t cost_nano_usd = 0;    // worst case at the most expensive deployment of the model
};

class Reservation {
 public:
  virtual ~Reservation() = default;  // refunds what was not settled
  virtual void settle(const Usage& actual, int64_t cost_nano_usd) = 0;
};

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Answers every check still waiting (failing it open) and ends the limiter's own I/O. Called at
  // shutdown while the workers' io_contexts still exist, since those checks resume on them; later
  // checks fail open at once.
  virtual void stop() {}
  // Key rpm/tpm and budget. RateLimited / BudgetExceeded carry retry_after_s.
  // `who` must outlive the awaiting.
  virtual net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_key(const Principal& who,
                                                                          const Estimate& est) = 0;
  // Deployment rpm/tpm capacity; an error means "skip this deployment", not "refuse the client".
  // `deployment_id` must outlive the awaiting (the caller awaits at once).
  virtual net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_deployment(
      const std::string& deployment_id, std::optional<int64_t> rpm, std::optional<int64_t> tpm,
      uint64_t tokens) = 0;
};

}  // namespace gw
