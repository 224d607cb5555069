#include "gw/config/budget_period.h"

#include <limits>

namespace gw {

namespace {

using namespace std::chrono;

int64_t ms_of(sys_days d) { return duration_cast<milliseconds>(d.time_since_epoch()).count(); }

}  // namespace

PeriodBounds budget_period_bounds(config::BudgetPeriod period, SystemTime now) {
  const sys_days today = floor<days>(now);
  switch (period) {
    case config::BudgetPeriod::Day:
      return {ms_of(today), ms_of(today + days{1})};
    case config::BudgetPeriod::Week: {
      const sys_days monday = today - days{weekday{today}.iso_encoding() - 1};
      return {ms_of(monday), ms_of(monday + days{7})};
    }
    case config::BudgetPeriod::Month: {
      const year_month_day ymd{today};
      const year_month first = ymd.year() / ymd.month();
      const year_month next = first + months{1};
      return {ms_of(sys_days{first / 1}), ms_of(sys_days{next / 1})};
    }
    case config::BudgetPeriod::Year: {
      const year y = year_month_day{today}.year();
      return {ms_of(sys_days{y / January / 1}), ms_of(sys_days{(y + years{1}) / January / 1})};
    }
    case config::BudgetPeriod::Total:
      break;
  }
  return {std::numeric_limits<int64_t>::min(), std::nullopt};
}

}  // namespace gw
