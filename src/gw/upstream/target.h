#pragma once
// An upstream URL reduced to what the client needs: where to connect and what to send.
#include <cstdint>
#include <string>
#include <string_view>

#include "gw/common/result.h"

namespace gw::upstream {

struct Target {
  bool tls = false;
  std::string host;         // for DNS, SNI and certificate checks: no brackets, pct-decoded
  uint16_t port = 0;
  std::string host_header;  // host[:port] as the Host header wants it (port only if not default)
  std::string target;       // origin-form request target: path plus query, never empty
  std::string pool_key;     // scheme://host:port: connections are shared by equal keys
  std::string authority() const;  // host:port, for error messages (never path or query: secrets)
};

// Parses an absolute http or https URL with Boost.URL. Errors never echo the URL, whose query
// may carry an API key.
Result<Target> parse_target(std::string_view url);

}  // namespace gw::upstream
