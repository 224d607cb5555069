#include "gw/storage/time_text.h"

#include <chrono>
#include <cstdio>

namespace gw::storage {

namespace {

using namespace std::chrono;

// Reads exactly n digits at pos; nullopt if any is not a digit.
std::optional<int> digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) {
    return std::nullopt;
  }
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return std::nullopt;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool is(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

}  // namespace

std::string format_rfc3339_ms(int64_t unix_ms) {
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
  return buf;
}

std::optional<int64_t> parse_rfc3339_ms(std::string_view s) {
  auto y = digits(s, 0, 4);
  auto mo = digits(s, 5, 2);
  auto d = digits(s, 8, 2);
  if (!y || !mo || !d || !is(s, 4, '-') || !is(s, 7, '-')) {
    return std::nullopt;
  }
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  int64_t ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  if (s.size() == 10) {
    return ms;
  }
  if (!(is(s, 10, 'T') || is(s, 10, 't') || is(s, 10, ' '))) {
    return std::nullopt;
  }
  auto h = digits(s, 11, 2);
  auto mi = digits(s, 14, 2);
  auto se = digits(s, 17, 2);
  if (!h || !mi || !se || !is(s, 13, ':') || !is(s, 16, ':') || *h > 23 || *mi > 59 || *se > 60) {
    return std::nullopt;
  }
  ms += ((*h * 60 + *mi) * 60 + *se) * int64_t{1000};
  size_t pos = 19;
  if (is(s, pos, '.')) {
    ++pos;
    int scale = 100;
    const size_t first = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) {
      return std::nullopt;
    }
  }
  if (is(s, pos, 'Z') || is(s, pos, 'z')) {
    return pos + 1 == s.size() ? std::optional<int64_t>(ms) : std::nullopt;
  }
  if (is(s, pos, '+') || is(s, pos, '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    auto oh = digits(s, pos + 1, 2);
    auto om = digits(s, pos + 4, 2);
    if (!oh || !om || !is(s, pos + 3, ':') || pos + 6 != s.size() || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    // Local time = UTC + offset, so UTC = local - offset.
    return ms - sign * (*oh * 60 + *om) * int64_t{60000};
  }
  return std::nullopt;
}

}  // namespace gw::storage
