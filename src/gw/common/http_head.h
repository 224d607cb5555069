#pragma once
// HTTP/1.1 message heads written as one string. Beast's serializer hands the socket four buffers
// per field (name, ": ", value, CRLF) through several layers of buffer-sequence adaptors, which
// cost more than the rest of a proxied request; a head built here leaves with its body in a single
// two-buffer gather write.
//
// Field names must be RFC 9110 tokens and values must hold no CR, LF or NUL: append_field checks
// and refuses (returns false) rather than let a value smuggle a header.
#include <string>
#include <string_view>

namespace gw::http_head {

// "HTTP/1.1 200 OK\r\n"
void append_status_line(std::string& out, unsigned status);
// "POST /v1/x HTTP/1.1\r\n"; false if the method or target is not safe to send.
bool append_request_line(std::string& out, std::string_view method, std::string_view target);
// "name: value\r\n"; false (and nothing appended) if either is malformed.
bool append_field(std::string& out, std::string_view name, std::string_view value);
void append_content_length(std::string& out, size_t n);

bool valid_field_name(std::string_view s);
bool valid_field_value(std::string_view s);
// Framing fields the writer sets itself: a caller's copy could only contradict it.
bool is_framing_field(std::string_view name);

}  // namespace gw::http_head
