#pragma once
// A Google service-account key file (protocols.md 5.5): the fields the JWT-bearer flow needs.
// The private key is parsed once; its PEM text is not kept.
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "gw/common/result.h"
#include "gw/providers/vertex/jwt.h"

namespace gw::vertex {

inline constexpr std::string_view kDefaultTokenUri = "https://oauth2.googleapis.com/token";

struct ServiceAccount {
  std::string client_email;
  std::string private_key_id;  // the JWT "kid"; optional in the file
  std::string token_uri;       // honoured as written (tests point it at loopback)
  std::string project_id;      // informational; the provider's `project` decides the URL
  RsaKey key;
};

// Parses the key file's JSON. `what` prefixes every message ("provider gcp: credentials file
// /etc/sa.json"). Errors are UpstreamError (502: the gateway's own credential is unusable),
// non-retryable, and never contain the private key or any other field's value.
Result<ServiceAccount> parse_service_account(std::string_view json_text, std::string_view what);
// The same for a parsed file.
Result<ServiceAccount> parse_service_account(const boost::json::object& o, std::string_view what);

// Reads and parses `path` for provider `provider` (errors name both, never the key).
Result<ServiceAccount> load_service_account(const std::string& path, std::string_view provider);

}  // namespace gw::vertex
