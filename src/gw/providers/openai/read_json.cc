#include "gw/providers/openai/read_json.h"

namespace gw::openai {

bool parse_answer(std::string_view text, dom::object& out) {
  thread_local dom::parser parser;
  dom::element doc;
  // realloc_if_needed: the bytes are copied into the parser's padded buffer (the caller's are not).
  if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  return doc.get_object().get(out) == simdjson::SUCCESS;
}

std::string_view str_field(const dom::object& o, std::string_view key) {
  std::string_view v;
  return o.at_key(key).get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

bool object_field(const dom::object& o, std::string_view key, dom::object& out) {
  return o.at_key(key).get_object().get(out) == simdjson::SUCCESS;
}

bool array_field(const dom::object& o, std::string_view key, dom::array& out) {
  return o.at_key(key).get_array().get(out) == simdjson::SUCCESS;
}

uint64_t u64_field(const dom::object& o, std::string_view key) {
  uint64_t v = 0;
  return o.at_key(key).get_uint64().get(v) == simdjson::SUCCESS ? v : 0;
}

bool has_non_null(const dom::object& o, std::string_view key) {
  dom::element e;
  return o.at_key(key).get(e) == simdjson::SUCCESS && !e.is_null();
}

Usage usage_of(const dom::object& usage) {
  Usage u;
  const uint64_t prompt = u64_field(usage, "prompt_tokens");
  if (dom::object d; object_field(usage, "prompt_tokens_details", d)) {
    u.cache_read = u64_field(d, "cached_tokens");
    u.cache_write = u64_field(d, "cache_write_tokens");
  }
  // prompt_tokens includes the cached subset; canonical input does not (usage.h).
  const uint64_t cached = u.cache_read + u.cache_write;
  u.input = prompt > cached ? prompt - cached : 0;
  u.output = u64_field(usage, "completion_tokens");
  if (dom::object d; object_field(usage, "completion_tokens_details", d)) {
    u.reasoning = u64_field(d, "reasoning_tokens");
  }
  return u;
}

}  // namespace gw::openai
