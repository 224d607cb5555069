#include "gw/common/http_types.h"

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iterator>

namespace gw {

std::string_view find_header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (boost::algorithm::iequals(k, name)) {
      return v;
    }
  }
  return {};
}

std::optional<int64_t> header_int(const Headers& h, std::string_view name) {
  const std::string_view s = find_header(h, name);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  // Parsed by hand rather than with strptime, whose %a and %b follow the process's locale.
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters in fixed places.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT" ||
      std::find(std::begin(kDays), std::end(kDays), s.substr(0, 3)) == std::end(kDays)) {
    return std::nullopt;
  }
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, v);
    return ec == std::errc() && p == s.data() + at + len ? std::optional<int>(v) : std::nullopt;
  };
  const auto month = std::find(std::begin(kMonths), std::end(kMonths), s.substr(8, 3));
  const auto day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2),
             second = number(23, 2);
  if (month == std::end(kMonths) || !day || !year || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                        std::chrono::month{static_cast<unsigned>(month - std::begin(kMonths) + 1)},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return days * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::optional<int64_t> retry_after_seconds(const Headers& h, int64_t now_unix_s) {
  if (auto ms = header_int(h, "retry-after-ms")) {
    return *ms / 1000 + (*ms % 1000 != 0);  // rounded up without overflowing near INT64_MAX
  }
  if (auto s = header_int(h, "retry-after")) {
    return s;
  }
  if (auto at = parse_http_date(find_header(h, "retry-after"))) {
    return std::max<int64_t>(*at - now_unix_s, 0);
  }
  return std::nullopt;
}

std::optional<int64_t> retry_after_seconds(const Headers& h) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return retry_after_seconds(h, std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace gw
