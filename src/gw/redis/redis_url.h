#pragma once
// `redis://[[user]:password@]host[:port][/db]`, as the `limits:` setting names a shared Redis.
//
// `rediss://` (TLS) is refused with a reason: Debian 12's hiredis 0.14 has no TLS, and this client
// speaks plain TCP. The password never appears in an error or in redacted().
#include <cstdint>
#include <string>
#include <string_view>

#include "gw/common/result.h"

namespace gw::redis {

struct RedisUrl {
  std::string host;
  uint16_t port = 6379;
  std::string username;  // Redis 6 ACL user; empty = AUTH with the password alone
  std::string password;  // empty = no AUTH
  int db = 0;

  // "redis://host:port/db", with "***" in place of the credentials when there are any: for logs
  // and error messages.
  std::string redacted() const;
};

Result<RedisUrl> parse_redis_url(std::string_view url);

}  // namespace gw::redis
