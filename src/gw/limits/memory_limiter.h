#pragma once
// The in-process limiter: rpm/tpm over an exact 60 s sliding window (sliding_window.h) for keys
// and deployments, and per-key budgets over UTC calendar periods (budget_period.h).
//
// Budget rule: a key is admitted while settled spend + outstanding reserved estimates < budget;
// the request then reserves its estimate. So once in-flight reservations reach the budget, no one
// else is admitted until they settle, and spend can pass the budget only by what the admitted
// requests cost beyond the room that was left (at most their reserved estimates).
// A refusal because settled spend reached the budget carries retry_after = seconds to the end of
// the period (one year for `total`); one because in-flight reservations fill it carries 1 s.
//
// Budget spend is seeded from the ledger (spent_since the period start) the first time a key is
// seen, so a restart does not reset it. Thread-safe: one mutex; no I/O under it.
#include <memory>

#include "gw/common/clock.h"
#include "gw/ledger/ledger.h"
#include "gw/limits/limiter.h"

namespace gw {

// `ledger_for_budget_seed` may be null (budgets then start from zero); it must outlive the limiter.
std::unique_ptr<Limiter> make_memory_limiter(const Clock& clock, Ledger* ledger_for_budget_seed);

inline constexpr int64_t kTotalBudgetRetryAfterS = 365 * 24 * 3600;

}  // namespace gw
