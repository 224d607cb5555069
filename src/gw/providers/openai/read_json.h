#pragma once
// Reading OpenAI answers with simdjson's DOM: upstream bodies and stream chunks are read once and
// dropped, so they are parsed into this thread's reusable simdjson parser (no allocation per node,
// several times faster than building a Boost.JSON document). Values are views into the parser and
// live until the next parse_answer() on the same thread: copy out what you keep.
#include <simdjson.h>

#include <array>
#include <cstddef>
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

// Several keys of one object, found in a single walk over its fields (at_key walks the object
// again for every key, which showed on stream chunks read seven lookups at a time). A repeated key
// keeps its first value, as at_key does. Readers treat a missing key or another type as absent.
template <size_t N>
class Fields {
 public:
  Fields(const dom::object& o, const std::array<std::string_view, N>& keys) {
    for (dom::key_value_pair kv : o) {
      for (size_t i = 0; i < N; ++i) {
        if (!found_[i] && kv.key == keys[i]) {
          value_[i] = kv.value;
          found_[i] = true;
          break;
        }
      }
    }
  }
  bool string(size_t i, std::string_view& out) const {
    return found_[i] && value_[i].get_string().get(out) == simdjson::SUCCESS;
  }
  // The string, or empty when absent or not a string.
  std::string_view str(size_t i) const {
    std::string_view v;
    return string(i, v) ? v : std::string_view();
  }
  bool object(size_t i, dom::object& out) const {
    return found_[i] && value_[i].get_object().get(out) == simdjson::SUCCESS;
  }
  bool array(size_t i, dom::array& out) const {
    return found_[i] && value_[i].get_array().get(out) == simdjson::SUCCESS;
  }
  bool non_null(size_t i) const { return found_[i] && !value_[i].is_null(); }

 private:
  std::array<dom::element, N> value_{};
  std::array<bool, N> found_{};
};

// An OpenAI "usage" object -> canonical (input excludes cached tokens, protocols.md 3.5).
Usage usage_of(const dom::object& usage);

}  // namespace gw::openai
