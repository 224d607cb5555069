#pragma once
// Percent-decoding (RFC 3986 escapes), for request targets and for the credentials of redis:// and
// postgres:// URLs; percent-encoding, for upstream URL segments, OAuth form bodies and query
// strings.
#include <optional>
#include <string>
#include <string_view>

namespace gw {

// nullopt for a malformed escape ("%zz", or '%' too close to the end). With plus_is_space, '+'
// decodes to a space, as in an HTML form's query string.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
bool is_unreserved(char c);
// Appends `s` to `out` with every byte for which `keep` is false written as %XX (uppercase hex).
void percent_encode(std::string_view s, bool (*keep)(char), std::string& out);
// Every byte but RFC 3986's unreserved characters as %XX: an application/x-www-form-urlencoded
// value or a query parameter that any server reads back.
std::string percent_encode(std::string_view s);

}  // namespace gw
