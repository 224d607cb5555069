#pragma once
// UTF-8 checks for text that ends up in durable records: PostgreSQL refuses a NUL byte and
// invalid UTF-8 in text, and one unwritable record must never stop the ledger.
#include <string>
#include <string_view>

namespace gw {

// true if `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

// true if `s` is valid UTF-8 without control characters (C0, DEL, C1): fit for a name.
bool printable_utf8(std::string_view s);

// `s` with every invalid sequence and every NUL byte replaced by U+FFFD; valid text unchanged.
std::string to_storable_utf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// `s` for quoting a client's input back in a message: whole up to `max_bytes`, otherwise its
// utf8_prefix and "…", so that a megabyte model name is not echoed into every error body.
std::string excerpt(std::string_view s, size_t max_bytes = 256);

}  // namespace gw
