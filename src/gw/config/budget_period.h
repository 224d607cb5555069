#pragma once
// Budget periods are UTC calendar periods: a day from 00:00, a week from Monday 00:00, a month
// from the 1st 00:00, a year from 1 January 00:00; `total` never ends.
#include <cstdint>
#include <optional>

#include "gw/common/clock.h"
#include "gw/config/schema.h"

namespace gw {

struct PeriodBounds {
  int64_t start_ms = 0;           // unix ms, inclusive (INT64_MIN for total)
  std::optional<int64_t> end_ms;  // unix ms, exclusive; nullopt for total
};

PeriodBounds budget_period_bounds(config::BudgetPeriod period, SystemTime now);

}  // namespace gw
