// Fixed-point parsing by digit arithmetic: "0.075" at scale 6 is 0*10^6 + 075 * 10^3 = 75000.
#include "gw/config/decimal.h"

#include <limits>

namespace gw::config {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<int64_t> fail(std::string* error, std::string what) {
  if (error != nullptr) {
    *error = std::move(what);
  }
  return std::nullopt;
}

// acc = acc * 10 + digit, refusing to overflow.
bool push_digit(int64_t& acc, int digit) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (acc > (kMax - digit) / 10) {
    return false;
  }
  acc = acc * 10 + digit;
  return true;
}

}  // namespace

std::optional<int64_t> parse_fixed_decimal(std::string_view text, int scale, std::string* error) {
  const std::string expected = "expected a non-negative decimal number such as 3 or 0.075";
  if (scale < 0 || scale > 18) {
    return fail(error, "unsupported decimal scale");
  }
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) {
    return fail(error, expected);
  }
  for (char c : whole) {
    if (!is_digit(c)) {
      return fail(error, expected);
    }
  }
  for (char c : frac) {
    if (!is_digit(c)) {
      return fail(error, expected);
    }
  }
  // Trailing zeros carry no value; what remains must fit in `scale` digits.
  while (!frac.empty() && frac.back() == '0') {
    frac.remove_suffix(1);
  }
  if (frac.size() > static_cast<size_t>(scale)) {
    return fail(error, "has more than " + std::to_string(scale) + " decimal places");
  }
  int64_t acc = 0;
  for (char c : whole) {
    if (!push_digit(acc, c - '0')) {
      return fail(error, "is too large");
    }
  }
  for (int i = 0; i < scale; ++i) {
    int digit = static_cast<size_t>(i) < frac.size() ? frac[i] - '0' : 0;
    if (!push_digit(acc, digit)) {
      return fail(error, "is too large");
    }
  }
  return acc;
}

}  // namespace gw::config
