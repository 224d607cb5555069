#pragma once
// Reading OpenAI answers with simdjson's DOM: upstream bodies and stream chunks are read once and
// dropped, so they are parsed into this thread's reusable simdjson parser (no allocation per node,
// several times faster than building a Boost.JSON document). Values are views into the parser and
// live until the next parse_answer() on the same thread: copy out what you keep.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "gw/canonical/usage.h"

namespace gw::openai {

namespace dom = simdjson::dom;

// Parses `text` (a JSON object) into the thread's parser; false if it is not valid JSON or not an
// object.
bool parse_answer(std::string_view text, dom::object& out);

// Field readers that treat a missing field or a field of another type as absent.
std::string_view str_field(const dom::object& o, std::string_view key);
bool object_field(const dom::object& o, std::string_view key, dom::object& out);
bool array_field(const dom::object& o, std::string_view key, dom::array& out);
// A non-negative integer (a negative or fractional number counts as 0).
uint64_t u64_field(const dom::object& o, std::string_view key);
// Whether the field is present with a value other than null.
bool has_non_null(const dom::object& o, std::string_view key);

// An OpenAI "usage" object -> canonical (input excludes cached tokens, protocols.md 3.5).
Usage usage_of(const dom::object& usage);

}  // namespace gw::openai
