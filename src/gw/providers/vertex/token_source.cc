// The JWT-bearer token exchange (protocols.md 5.5): a fresh assertion signed with the service
// account's key for every exchange, sent to the key file's token_uri.
#include "gw/providers/vertex/token_source.h"

#include "gw/common/percent.h"

namespace gw::vertex {

namespace {

constexpr std::string_view kGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

}  // namespace

std::string token_request_body(std::string_view assertion) {
  return "grant_type=" + percent_encode(kGrantType) + "&assertion=" + percent_encode(assertion);
}

TokenSource::TokenSource(std::string provider,
                         ServiceAccount sa,
                         HttpClient& http,
                         const Clock& clock,
                         TokenSourceOptions opts,
                         std::shared_ptr<SharedTokenCache> cache)
    : provider_(std::move(provider)),
      sa_(std::move(sa)),
      http_(http),
      clock_(clock),
      opts_(std::move(opts)),
      source_(oauth::TokenErrorContext{provider_, "a Google access token", {}},
              [this] { return fetch(); },
              clock,
              opts_,
              std::move(cache)) {}

std::string TokenSource::cache_key(const ServiceAccount& sa, const TokenSourceOptions& opts) {
  // '\n' cannot occur in any of the parts (a JSON string could hold one, but then the key is
  // merely more specific, never shared by mistake).
  return sa.client_email + '\n' + sa.private_key_id + '\n' + sa.token_uri + '\n' + opts.scope;
}

Result<std::string> TokenSource::assertion(SystemTime now) const {
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  JwtClaims c{.iss = sa_.client_email,
              .scope = opts_.scope,
              .aud = sa_.token_uri,
              .iat = iat,
              .exp = iat + kAssertionLifetimeS};
  return sign_jwt(jwt_header_json(sa_.private_key_id), jwt_claims_json(c), sa_.key);
}

net::awaitable<Result<oauth::FetchedToken>> TokenSource::fetch() {
  oauth::TokenErrorContext ctx{provider_, "a Google access token", {}};
  auto jwt = assertion(clock_.now());
  if (!jwt) {
    co_return oauth::token_error(ctx, "signing the assertion failed", false);
  }
  // An error description that quotes the assertion's signature is withheld.
  const size_t dot = jwt->rfind('.');
  ctx.secrets.push_back(dot == std::string::npos ? *jwt : jwt->substr(dot + 1));
  UpstreamRequest req;
  req.method = "POST";
  req.url = sa_.token_uri;
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("accept", "application/json");
  req.body = token_request_body(*jwt);
  auto op = oauth::exchange(http_, req, opts_.timeouts, sa_.token_uri, clock_, ctx);
  co_return co_await std::move(op);
}

}  // namespace gw::vertex
