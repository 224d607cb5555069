#include "gw/common/utf8.h"

#include <cstdint>

namespace gw {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed sequence at s[i] and its code point; 0 if there is none.
size_t sequence_at(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len = 0;
  uint32_t v = 0;
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      return 0;
    }
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return len;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_at(s, i, &cp);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

bool printable_utf8(std::string_view s) {
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_at(s, i, &cp);
    if (n == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string to_storable_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_at(s, i, &cp);
    if (n == 0 || cp == 0) {
      out += kReplacement;  // one per offending byte: simple, and never swallows a valid byte
      i += 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;  // s[cut] continues a sequence: the cut goes before the sequence's first byte
  }
  return s.substr(0, cut);
}

std::string excerpt(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return std::string(s);
  }
  std::string out(utf8_prefix(s, max_bytes));
  out += "\xE2\x80\xA6";  // U+2026 …
  return out;
}

}  // namespace gw
