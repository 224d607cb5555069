#pragma once
// Google OAuth2 access tokens from any grant (grant.h: service account, refresh token, workload
// identity federation, metadata server; protocols.md 5.5): cached until shortly before they
// expire, refreshed by at most one exchange at a time.
//
// One TokenSource lives on one io_context (one per worker, like HttpClient): concurrent callers on
// that context share a single in-flight refresh. The token itself is kept in a SharedTokenCache
// that the workers' sources for the same credential share.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/vertex/grant.h"
#include "gw/providers/vertex/jwt.h"
#include "gw/providers/vertex/token_cache.h"
#include "gw/upstream/http_client.h"

namespace gw::vertex {

struct TokenSourceOptions {
  // Refresh once less than this remains (google-auth-library's eager threshold). Capped at half
  // the token's lifetime so short-lived tokens are still reused.
  std::chrono::seconds refresh_margin{300};
  // While a refresh is in flight, other callers keep using the old token if it stays valid at
  // least this long; otherwise they wait for the refresh.
  std::chrono::seconds min_validity{30};
  std::string scope = std::string(kCloudPlatformScope);
  Timeouts timeouts{std::chrono::milliseconds(5000), std::chrono::milliseconds(15000),
                    std::chrono::milliseconds(15000)};
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
  ~TokenSource();
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // A valid access token: the cached one, or a fresh one from the token endpoint. Errors are
  // the grant's (TokenGrant::fetch), prefixed with "provider <name>: could not obtain a Google
  // access token[ from <source>]: ", with the provider set.
  net::awaitable<Result<std::string>> token();

  // Forgets the token this source last handed out (Vertex answered 401 with it), so the next
  // token() fetches anew, unless another worker has already replaced it.
  void invalidate();

  // What identifies a token: the same credential and scope get the same token.
  static std::string cache_key(const TokenGrant& grant, const TokenSourceOptions& opts);

 private:
  struct Flight;
  class FlightGuard;

  bool usable_for(const CachedToken& t, std::chrono::nanoseconds d) const;
  net::awaitable<Result<std::string>> fetch();
  net::awaitable<Result<std::string>> wait_for(std::shared_ptr<Flight> f);
  void settle(Flight& f, Result<std::string> r);

  std::string provider_;
  std::string error_prefix_;
  std::shared_ptr<const TokenGrant> grant_;
  HttpClient& http_;
  const Clock& clock_;
  TokenSourceOptions opts_;

  std::shared_ptr<SharedTokenCache> cache_;
  std::string last_;                // the token last handed out, for invalidate()
  std::shared_ptr<Flight> flight_;  // the refresh in progress, if any
  // Expires with the source: a refresh coroutine outliving it must not touch it.
  std::shared_ptr<TokenSource*> alive_ = std::make_shared<TokenSource*>(this);
};

}  // namespace gw::vertex
