#include "gw/upstream/target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>

namespace gw::upstream {

namespace {

Error bad_url(std::string why) {
  Error e = make_error(Code::UpstreamError, "invalid upstream url: " + std::move(why));
  e.retryable = false;  // the same URL will not get better on another try
  return e;
}

}  // namespace

std::string Target::authority() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

// Boost.URL 1.81 reads a host name that begins with a dotted quad ("10.0.0.1.sslip.io", the
// wildcard-DNS names of nip.io and sslip.io) as that IPv4 address, taking the rest of the name,
// and the port, for the path. When the path after such an address does not start with '/', this
// returns the name as written (and `url` with a stand-in host, which parses correctly); else empty.
std::string dotted_quad_name(const boost::urls::url_view& u, std::string_view url, std::string& stand_in) {
  if (u.host_type() != boost::urls::host_type::ipv4 || u.encoded_path().empty() ||
      u.encoded_path().front() == '/') {
    return {};
  }
  const size_t start = url.find("//") + 2;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::string_view authority = url.substr(start, end - start);
  const std::string_view host = authority.substr(0, authority.rfind(':'));  // a name: no brackets
  if (authority.find('@') != std::string_view::npos ||
      host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~") !=
          std::string_view::npos) {
    return {};
  }
  stand_in = std::string(url.substr(0, start)) + "h" + std::string(url.substr(start + host.size()));
  return std::string(host);
}

Result<Target> parse_target(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return bad_url("not an absolute URI");
  }
  std::string stand_in;
  const std::string name = dotted_quad_name(*parsed, url, stand_in);
  if (!name.empty()) {
    parsed = boost::urls::parse_uri(stand_in);
    if (!parsed) {
      return bad_url("not an absolute URI");
    }
  }
  const boost::urls::url_view& u = *parsed;
  Target t;
  const auto scheme = u.scheme_id();
  if (scheme == boost::urls::scheme::https) {
    t.tls = true;
  } else if (scheme != boost::urls::scheme::http) {
    return bad_url("scheme must be http or https");
  }
  const uint16_t default_port = t.tls ? 443 : 80;

  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_header = t.host;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_header = "[" + t.host + "]";
      break;
    case boost::urls::host_type::name:
      t.host = name.empty() ? u.host_name() : name;
      t.host_header = name.empty() ? std::string(u.encoded_host()) : name;
      break;
    default:
      return bad_url("unsupported host");
  }
  if (t.host.empty()) {
    return bad_url("missing host");
  }

  // "http://h:/" has an empty port, which RFC 3986 says means the default one.
  if (u.has_port() && !u.port().empty()) {
    // port_number() wraps values above 65535, so the digits are checked here.
    unsigned long port = 0;
    for (char c : u.port()) {
      port = port * 10 + static_cast<unsigned long>(c - '0');  // the grammar allows digits only
      if (port > 65535) {
        return bad_url("bad port");
      }
    }
    if (port == 0) {
      return bad_url("bad port");
    }
    t.port = static_cast<uint16_t>(port);
  } else {
    t.port = default_port;
  }
  if (t.port != default_port) {
    t.host_header += ":" + std::to_string(t.port);
  }

  t.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) {
    t.target += "?";
    t.target += u.encoded_query();
  }
  t.pool_key = std::string(t.tls ? "https://" : "http://") + t.authority();
  return t;
}

}  // namespace gw::upstream
