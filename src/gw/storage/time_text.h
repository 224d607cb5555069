#pragma once
// The text form of times shared by the databases, the admin API and the CLI: RFC 3339 in UTC.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::storage {

// "2025-03-01T12:34:56.789Z" (milliseconds always shown, so the text sorts like the time).
std::string format_rfc3339_ms(int64_t unix_ms);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (t/z in either case, ' ' for T) and a bare
// "YYYY-MM-DD" (midnight UTC). Fractions beyond milliseconds are truncated. nullopt if malformed.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace gw::storage
