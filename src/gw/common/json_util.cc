#include "gw/common/json_util.h"

#include <optional>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace gw {

namespace {

// Index of the first byte at or after `from` that JSON needs escaped (a control byte, '"' or
// '\\'), or s.size(). Sixteen bytes at a time where SSE2 exists: most text has nothing to escape.
size_t next_escape(std::string_view s, size_t from) {
  size_t i = from;
#ifdef __SSE2__
  const __m128i ctl = _mm_set1_epi8(0x1f);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // max(v, 0x1f) == 0x1f exactly when v <= 0x1f (unsigned).
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (const int mask = _mm_movemask_epi8(hit); mask != 0) {
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  for (; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == '"' || u == '\\') {
      return i;
    }
  }
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = next_escape(s, 0); i < s.size(); i = next_escape(s, run)) {
    const auto u = static_cast<unsigned char>(s[i]);
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (u) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default:
        out += "u00";
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

struct TransientJson::Arena {
  static constexpr size_t kBytes = 32 * 1024;  // one typical completion body or a few chunks
  std::unique_ptr<unsigned char[]> buffer{new unsigned char[kBytes]};
  std::optional<boost::json::monotonic_resource> resource;
  bool busy = false;
};

TransientJson::TransientJson() {
  thread_local Arena arena;
  if (!arena.busy) {
    arena.busy = true;
    // Fresh on every use: starts again at the top of the buffer; blocks a big document needed
    // beyond it were freed when the previous one was destroyed.
    arena.resource.emplace(arena.buffer.get(), Arena::kBytes);
    arena_ = &arena;
    sp_ = boost::json::storage_ptr(&*arena.resource);
  }
}

TransientJson::~TransientJson() {
  if (arena_ != nullptr) {
    arena_->resource.reset();
    arena_->busy = false;
  }
}

boost::json::value TransientJson::parse(std::string_view text, boost::json::error_code& ec) {
  return boost::json::parse(text, ec, sp_);
}

namespace {

// A cursor over JSON text known to be valid: it skips, it does not check.
struct JsonCursor {
  std::string_view t;
  size_t i = 0;

  bool done() const { return i >= t.size(); }
  void ws() {
    while (!done() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) {
      ++i;
    }
  }
  void string() {  // at the opening quote; ends past the closing one
    for (++i; !done() && t[i] != '"'; ++i) {
      if (t[i] == '\\') {
        ++i;
      }
    }
    ++i;
  }
  void value() {
    if (done()) {
      return;
    }
    if (t[i] == '"') {
      string();
      return;
    }
    if (t[i] == '{' || t[i] == '[') {
      int depth = 0;
      while (!done()) {
        const char c = t[i];
        if (c == '"') {
          string();
          continue;
        }
        ++i;
        depth += (c == '{' || c == '[') ? 1 : (c == '}' || c == ']') ? -1 : 0;
        if (depth == 0) {
          return;
        }
      }
      return;
    }
    while (!done() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\t' &&
           t[i] != '\n' && t[i] != '\r') {
      ++i;
    }
  }
};

}  // namespace

std::string with_top_level_string(std::string_view object, std::string_view key, std::string_view value) {
  std::string quoted;
  append_json_string(quoted, value);
  JsonCursor c{object};
  c.ws();
  if (c.done() || object[c.i] != '{') {
    return std::string(object);
  }
  const size_t open = ++c.i;
  while (true) {
    c.ws();
    if (c.done() || object[c.i] != '"') {
      break;  // the closing brace (or text that is not an object after all)
    }
    const size_t key_begin = c.i + 1;
    c.string();
    const std::string_view k = object.substr(key_begin, c.i - 1 - key_begin);
    c.ws();
    ++c.i;  // ':'
    c.ws();
    const size_t value_begin = c.i;
    c.value();
    if (k == key) {
      return std::string(object.substr(0, value_begin)) + quoted + std::string(object.substr(c.i));
    }
    c.ws();
    if (c.done() || object[c.i] != ',') {
      break;
    }
    ++c.i;
  }
  std::string member;
  append_json_string(member, key);
  member += ':' + quoted;
  c.i = open;
  c.ws();
  const bool empty = !c.done() && object[c.i] == '}';
  return std::string(object.substr(0, open)) + member + (empty ? "" : ",") + std::string(object.substr(open));
}

}  // namespace gw
