#pragma once
// Google OAuth2 access tokens from any grant (grant.h: service account, refresh token, workload
// identity federation, metadata server; protocols.md 5.5). Caching, the early refresh and single
// flight are oauth::TokenSource's, shared with Azure's Entra ID; this adapter plugs a TokenGrant
// into it and names the provider and the credential's source in its errors.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/oauth/token_source.h"
#include "gw/providers/vertex/grant.h"
#include "gw/providers/vertex/jwt.h"
#include "gw/upstream/http_client.h"

namespace gw::vertex {

using oauth::CachedToken;
using oauth::SharedTokenCache;
using oauth::shared_token_cache;

struct TokenSourceOptions : oauth::TokenSourceOptions {
  std::string scope = std::string(kCloudPlatformScope);
};

class TokenSource {
 public:
  // `http` and `clock` outlive the source. `provider` names the provider in errors, and so does
  // `source` unless empty ("... could not obtain a Google access token from <source>: ...").
  // `cache` null: a cache of its own (tests); see cache_key() for the process-wide one.
  TokenSource(std::string provider,
              std::string source,
              std::shared_ptr<const TokenGrant> grant,
              HttpClient& http,
              const Clock& clock,
              TokenSourceOptions opts = {},
              std::shared_ptr<SharedTokenCache> cache = nullptr);

  // A valid access token: the cached one, or a fresh one from the grant. Errors are the grant's
  // (TokenGrant::fetch), prefixed with "provider <name>: could not obtain a Google access
  // token[ from <source>]: ", with the provider set.
  net::awaitable<Result<std::string>> token() { return source_.token(); }

  // Forgets the token this source last handed out (Vertex answered 401 with it), so the next
  // token() fetches anew, unless another worker has already replaced it.
  void invalidate() { source_.invalidate(); }

  // What identifies a token: the same credential and scope get the same token.
  static std::string cache_key(const TokenGrant& grant, const TokenSourceOptions& opts);

 private:
  net::awaitable<Result<oauth::FetchedToken>> fetch();

  oauth::TokenErrorContext ctx_;
  std::shared_ptr<const TokenGrant> grant_;
  HttpClient& http_;
  const Clock& clock_;
  TokenSourceOptions opts_;
  oauth::TokenSource source_;
};

}  // namespace gw::vertex
