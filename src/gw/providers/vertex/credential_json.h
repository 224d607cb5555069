#pragma once
// Reading Google credential files (service_account, authorized_user, external_account): errors
// name the file and the field at fault but never echo a value, since a half-pasted key or token
// would otherwise end up in logs and replies.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "gw/common/result.h"

namespace gw::vertex {

// UpstreamError (502: the gateway's own credential is unusable), not retryable:
// "<what>: <problem>".
Error credential_error(std::string_view what, std::string_view problem);

// A string field: absent or null -> empty; present but not a string -> nullopt.
std::optional<std::string> string_member(const boost::json::object& o, std::string_view key);

// Whether `url` is an http:// or https:// URL (token endpoints are honoured as written: tests
// point them at loopback).
bool is_http_url(std::string_view url);

// Reads `path` whole (credential files are a few KiB; larger ones are refused unread). Errors as
// credential_error(what, ...).
Result<std::string> read_credential_file(const std::string& path, std::string_view what);

// Reads `path` and parses its text with `parse` (text -> Result<T>); an error from either carries
// `provider`.
template <class T, class Parse>
Result<T> load_credential(const std::string& path,
                          std::string_view provider,
                          std::string_view what,
                          Parse&& parse) {
  auto text = read_credential_file(path, what);
  Result<T> r = text ? parse(*text) : Result<T>(text.error());
  if (!r) {
    Error e = r.error();  // a copy: result::error() returns by value
    e.provider = std::string(provider);
    return e;
  }
  return r;
}

}  // namespace gw::vertex
