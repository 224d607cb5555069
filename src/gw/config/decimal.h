#pragma once
// Exact decimal text -> fixed-point integer, for money in the config and on the CLI
// (`keys create --budget-usd 12.50`). Money never passes through a double (design.md "Habits").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::config {

// Parses a non-negative decimal written as digits with an optional fraction ("3", "3.00", "0.075",
// ".5", "15.") into value * 10^scale. Trailing zeros in the fraction are ignored, so "3.0000000"
// at scale 6 is fine, but a seventh significant fraction digit is not (it cannot be represented).
// Signs, exponents, spaces and values beyond int64_t give nullopt with *error set (when non-null);
// the message never repeats the text, which may come from a secret-bearing environment variable.
std::optional<int64_t> parse_fixed_decimal(std::string_view text, int scale, std::string* error);

}  // namespace gw::config
