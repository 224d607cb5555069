#pragma once
// OAuth2 bearer tokens for an upstream (Vertex's service accounts, Azure's Entra ID): cached until
// shortly before they expire, refreshed by at most one exchange at a time. What the exchange is
// (a signed JWT, client credentials, a managed identity endpoint) is the Fetch of each provider.
//
// One TokenSource lives on one io_context (one per worker, like HttpClient): concurrent callers on
// that context share a single in-flight refresh. The token itself is kept in a SharedTokenCache
// that the workers' sources for the same credential share, and so is the right to refresh it: one
// exchange per credential at a time across the workers, at start-up as at every refresh.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/oauth/token_answer.h"
#include "gw/providers/oauth/token_cache.h"
#include "gw/upstream/http_client.h"

namespace gw::oauth {

struct TokenSourceOptions {
  // Refresh once less than this remains (the Google and Azure SDKs' eager threshold). Capped at
  // half the token's lifetime so short-lived tokens are still reused.
  std::chrono::seconds refresh_margin{300};
  // While a refresh is in flight, other callers keep using the old token if it stays valid at
  // least this long; otherwise they wait for the refresh.
  std::chrono::seconds min_validity{30};
  // Bounds one exchange; also how long another worker's claim on the refresh lasts.
  Timeouts timeouts{std::chrono::milliseconds(5000), std::chrono::milliseconds(15000),
                    std::chrono::milliseconds(15000)};
};

class TokenSource {
 public:
  // One exchange with the token endpoint. Its errors are what token() returns (token_error()).
  using Fetch = std::function<net::awaitable<Result<FetchedToken>>()>;

  // `clock` outlives the source. `ctx` names the provider and the kind of token in errors.
  // `cache` null: a cache of its own (tests).
  TokenSource(TokenErrorContext ctx,
              Fetch fetch,
              const Clock& clock,
              TokenSourceOptions opts = {},
              std::shared_ptr<SharedTokenCache> cache = nullptr);
  ~TokenSource();
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // A valid access token: the cached one, or a fresh one from Fetch. A failed refresh while the
  // old token still lasts returns the old token (the next caller tries again).
  net::awaitable<Result<std::string>> token();

  // Forgets the token this source last handed out (the upstream answered 401 with it), so the
  // next token() fetches anew, unless another worker has already replaced it.
  void invalidate();

 private:
  struct Flight;
  class FlightGuard;

  bool usable_for(const CachedToken& t, std::chrono::nanoseconds d) const;
  net::awaitable<Result<std::string>> fetch();
  net::awaitable<Result<std::string>> wait_for(std::shared_ptr<Flight> f);
  net::awaitable<void> await_refresh_elsewhere(const Flight& f);
  void settle(Flight& f, Result<std::string> r);

  TokenErrorContext ctx_;
  Fetch fetch_;
  const Clock& clock_;
  TokenSourceOptions opts_;

  std::shared_ptr<SharedTokenCache> cache_;
  std::string last_;                // the token last handed out, for invalidate()
  std::shared_ptr<Flight> flight_;  // the refresh in progress, if any
  // Expires with the source: a refresh coroutine outliving it must not touch it.
  std::shared_ptr<TokenSource*> alive_ = std::make_shared<TokenSource*>(this);
};

}  // namespace gw::oauth
