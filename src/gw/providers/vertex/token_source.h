#pragma once
// Google OAuth2 access tokens from a service account (JWT-bearer grant, protocols.md 5.5): the
// exchange itself; caching, the early refresh and single flight are oauth::TokenSource's.
#include <memory>
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/oauth/token_source.h"
#include "gw/providers/vertex/service_account.h"
#include "gw/upstream/http_client.h"

namespace gw::vertex {

using oauth::CachedToken;
using oauth::SharedTokenCache;

struct TokenSourceOptions : oauth::TokenSourceOptions {
  std::string scope = std::string(kCloudPlatformScope);
};

// The token endpoint request body: grant_type and assertion, application/x-www-form-urlencoded.
std::string token_request_body(std::string_view assertion);

class TokenSource {
 public:
  // `http` and `clock` outlive the source. `provider` names the provider in errors. `cache`
  // null: a cache of its own (tests); see cache_key() for the process-wide one.
  TokenSource(std::string provider,
              ServiceAccount sa,
              HttpClient& http,
              const Clock& clock,
              TokenSourceOptions opts = {},
              std::shared_ptr<SharedTokenCache> cache = nullptr);

  // A valid access token: the cached one, or a fresh one from the token endpoint. Errors are
  // UpstreamError naming the provider, "could not obtain a Google access token", never the
  // assertion or the key; retryable for connection failures, timeouts, 429 and 5xx, not for
  // rejections of the credential (400/401/403: invalid_grant and the like).
  net::awaitable<Result<std::string>> token() { return source_.token(); }

  // Forgets the token this source last handed out (Vertex answered 401 with it).
  void invalidate() { source_.invalidate(); }

  // What identifies a token: the same account, endpoint and scope get the same token.
  static std::string cache_key(const ServiceAccount& sa, const TokenSourceOptions& opts);

  // The signed assertion for time `now` (exposed for tests; the exchange sends exactly this).
  Result<std::string> assertion(SystemTime now) const;

 private:
  net::awaitable<Result<oauth::FetchedToken>> fetch();

  std::string provider_;
  ServiceAccount sa_;
  HttpClient& http_;
  const Clock& clock_;
  TokenSourceOptions opts_;
  oauth::TokenSource source_;
};

}  // namespace gw::vertex
