// A TokenGrant behind oauth::TokenSource (token_source.h).
#include "gw/providers/vertex/token_source.h"

namespace gw::vertex {

TokenSource::TokenSource(std::string provider,
                         std::string source,
                         std::shared_ptr<const TokenGrant> grant,
                         HttpClient& http,
                         const Clock& clock,
                         TokenSourceOptions opts,
                         std::shared_ptr<SharedTokenCache> cache)
    : ctx_{std::move(provider),
           "a Google access token" + (source.empty() ? std::string() : " from " + source),
           {}},
      grant_(std::move(grant)),
      http_(http),
      clock_(clock),
      opts_(std::move(opts)),
      source_(ctx_, [this] { return fetch(); }, clock, opts_, std::move(cache)) {}

std::string TokenSource::cache_key(const TokenGrant& grant, const TokenSourceOptions& opts) {
  return grant.cache_key() + '\n' + opts.scope;
}

net::awaitable<Result<oauth::FetchedToken>> TokenSource::fetch() {
  const GrantContext ctx{.http = http_, .clock = clock_, .timeouts = opts_.timeouts, .scope = opts_.scope};
  auto op = grant_->fetch(ctx);
  Result<GrantedToken> got = co_await std::move(op);
  if (!got) {
    co_return oauth::token_error(ctx_, std::move(got.error()));
  }
  co_return std::move(*got);
}

}  // namespace gw::vertex
