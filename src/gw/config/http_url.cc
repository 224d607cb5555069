// http_url.h: the host and port of a configured URL.
#include "gw/config/http_url.h"

namespace gw::config {

std::optional<std::string> http_authority_problem(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "must start with http:// or https://";
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // user:password@ is not the port
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return "has an IPv6 address without its closing ']'";
    }
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return "has text after the IPv6 address's ']' that is not ':PORT'";
    }
    if (!rest.empty()) {
      port = rest.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") {
    return "has no host (after ${...} expansion)";
  }
  if (!port) {
    return std::nullopt;  // the scheme's default port
  }
  // An empty port is most often an unset ${VAR}; a URL parser would quietly use port 80 or 443.
  if (port->empty()) {
    return "has an empty port after ':' (after ${...} expansion; an unset variable?)";
  }
  if (port->size() > 5 || port->find_first_not_of("0123456789") != std::string_view::npos) {
    return "has a port that is not a number from 1 to 65535";
  }
  const int value = std::stoi(std::string(*port));
  if (value < 1 || value > 65535) {
    return "has a port that is not a number from 1 to 65535";
  }
  return std::nullopt;
}

}  // namespace gw::config
