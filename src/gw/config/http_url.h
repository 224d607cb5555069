#pragma once
// The authority of an http(s) URL written in the config (base_url, authority_host), checked when
// the config is loaded: `http://127.0.0.1:${PORT}/v1` with PORT unset reads as `…:/v1`, which a
// URL parser takes for the scheme's default port (RFC 3986) and would send to port 80.
#include <optional>
#include <string>
#include <string_view>

namespace gw::config {

// What is wrong with the host or port of an http:// or https:// URL, or nullopt when nothing is.
// The message never quotes the URL, which may carry user:password@.
std::optional<std::string> http_authority_problem(std::string_view url);

}  // namespace gw::config
