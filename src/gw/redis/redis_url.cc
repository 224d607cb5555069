#include "gw/redis/redis_url.h"

#include <charconv>

#include "gw/common/percent.h"

namespace gw::redis {

namespace {

Error bad(std::string what) {
  return make_error(Code::InvalidRequest, "invalid Redis URL: " + std::move(what));
}

// Credentials may hold '@', ':' or '/' only percent-encoded, as in any URL.
Result<std::string> decode_credential(std::string_view s, const char* what) {
  auto out = percent_decode(s);
  if (!out) {
    return bad(std::string("a bad percent-escape in the ") + what);  // never the value itself
  }
  return std::move(*out);
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) {
    return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string RedisUrl::redacted() const {
  std::string out = "redis://";
  if (!password.empty() || !username.empty()) {
    out += "***@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + std::to_string(db);
  return out;
}

Result<RedisUrl> parse_redis_url(std::string_view url) {
  if (url.starts_with("rediss://")) {
    return make_error(Code::InvalidRequest,
                      "rediss:// (Redis over TLS) is not supported: Debian 12's hiredis 0.14 has no "
                      "TLS and this gateway speaks plain TCP to Redis; use redis:// on a private "
                      "network, or a local TLS tunnel (stunnel, spiped) to reach a remote Redis");
  }
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return bad("expected redis://[:PASSWORD@]HOST:PORT[/DB]");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;
  // The last '@' ends the credentials (an unencoded '@' in a password is common enough to allow).
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view user = cred;
    std::string_view pass;
    if (auto colon = cred.find(':'); colon != std::string_view::npos) {
      user = cred.substr(0, colon);
      pass = cred.substr(colon + 1);
    } else {
      pass = cred;  // redis://PASSWORD@host, as redis-cli -u reads it
      user = {};
    }
    auto u = decode_credential(user, "user name");
    auto p = decode_credential(pass, "password");
    if (!u) {
      return u.error();
    }
    if (!p) {
      return p.error();
    }
    out.username = std::move(*u);
    out.password = std::move(*p);
  }
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_number(db, out.db) || out.db < 0)) {
      return bad("the database after '/' must be a number");
    }
  }
  if (rest.find('?') != std::string_view::npos) {
    return bad("query parameters are not supported");
  }
  std::string_view port;
  bool port_given = false;  // a ':' after the host: then a port must follow (an unset ${VAR} leaves none)
  if (hostport.starts_with('[')) {  // [::1]:6379
    auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      return bad("unclosed '[' in the host");
    }
    out.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad("expected ':PORT' after the host");
      }
      port = after.substr(1);
      port_given = true;
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(hostport.substr(0, colon));
    port = hostport.substr(colon + 1);
    port_given = true;
  } else {
    out.host = std::string(hostport);
  }
  if (out.host.empty()) {
    return bad("no host");
  }
  if (port_given && (!parse_number(port, out.port) || out.port == 0)) {
    return bad("the port must be a number from 1 to 65535");
  }
  return out;
}

}  // namespace gw::redis
