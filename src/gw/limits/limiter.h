#pragma once
// Rate limits and budgets: reserve an estimate at admission, settle with the actual usage
// (TensorZero's ticket borrow). A Reservation that is never settled refunds in its destructor.
// In-memory backend now; a Redis backend implements the same interface for replicas.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "gw/auth/principal.h"
#include "gw/canonical/usage.h"
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
  virtual Result<std::unique_ptr<Reservation>> reserve_key(const Principal& who,
                                                          const Estimate& est) = 0;
  // Deployment rpm/tpm capacity; an error means "skip this deployment", not "refuse the client".
  virtual Result<std::unique_ptr<Reservation>> reserve_deployment(const std::string& deployment_id,
                                                                 std::optional<int64_t> rpm,
                                                                 std::optional<int64_t> tpm,
                                                                 uint64_t tokens) = 0;
};

}  // namespace gw
