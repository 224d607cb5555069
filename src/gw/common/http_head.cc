#include "gw/common/http_head.h"

#include <ostream>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>

namespace gw::http_head {

namespace {

// RFC 9110 tchar: visible ASCII except the separators. A table, since every header name written is
// checked (one lookup per byte instead of a chain of comparisons).
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0x21; c < 0x7f; ++c) {
    t[c] = true;
  }
  for (unsigned char c : std::string_view("()<>@,;:\\\"/[]?={}")) {
    t[c] = false;
  }
  return t;
}();

void append_number(std::string& out, size_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

bool valid_field_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

bool valid_field_value(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

bool is_framing_field(std::string_view name) {
  return boost::beast::iequals(name, "content-length") || boost::beast::iequals(name, "transfer-encoding") ||
         boost::beast::iequals(name, "connection");
}

void append_status_line(std::string& out, unsigned status) {
  out += "HTTP/1.1 ";
  append_number(out, status);
  out.push_back(' ');
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
}

bool append_request_line(std::string& out, std::string_view method, std::string_view target) {
  if (!valid_field_name(method) || target.empty()) {
    return false;
  }
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return false;  // a space or control would end the request line early
    }
  }
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out += " HTTP/1.1\r\n";
  return true;
}

bool append_field(std::string& out, std::string_view name, std::string_view value) {
  if (!valid_field_name(name) || !valid_field_value(value)) {
    return false;
  }
  out.append(name);
  out += ": ";
  out.append(value);
  out += "\r\n";
  return true;
}

void append_content_length(std::string& out, size_t n) {
  out += "Content-Length: ";
  append_number(out, n);
  out += "\r\n";
}

}  // namespace gw::http_head
