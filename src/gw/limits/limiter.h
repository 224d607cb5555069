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
  // Key rpm/tpm and budget. RateLimited / BudgetExceeded carry retry_after_s.
  // `who` must outlive the awaiting.
  virtual net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_key(const Principal& who,
                                                                          const Estimate& est) = 0;
  // Deployment rpm/tpm capacity; an error means "skip this deployment", not "refuse the client".
  virtual net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_deployment(
      std::string deployment_id, std::optional<int64_t> rpm, std::optional<int64_t> tpm,
      uint64_t tokens) = 0;
};

}  // namespace gw
