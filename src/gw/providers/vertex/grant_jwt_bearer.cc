// The JWT-bearer exchange (grant_jwt_bearer.h).
#include "gw/providers/vertex/grant_jwt_bearer.h"

#include "gw/providers/vertex/token_exchange.h"

namespace gw::vertex {

namespace {
constexpr std::string_view kGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
}  // namespace

std::string token_request_body(std::string_view assertion) {
  return form_body({{"grant_type", kGrantType}, {"assertion", assertion}});
}

Result<std::string> JwtBearerGrant::assertion(SystemTime now, std::string_view scope) const {
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  JwtClaims c{.iss = sa_.client_email,
              .scope = std::string(scope),
              .aud = sa_.token_uri,
              .iat = iat,
              .exp = iat + kAssertionLifetimeS};
  return sign_jwt(jwt_header_json(sa_.private_key_id), jwt_claims_json(c), sa_.key);
}

net::awaitable<Result<GrantedToken>> JwtBearerGrant::fetch(const GrantContext& ctx) const {
  auto jwt = assertion(ctx.clock.now(), ctx.scope);
  if (!jwt) {
    co_return grant_error("signing the assertion failed", false);
  }
  const UpstreamRequest req = token_request("POST", sa_.token_uri,
                                            "application/x-www-form-urlencoded",
                                            token_request_body(*jwt));
  TokenCall call;
  call.endpoint = "token endpoint";
  call.secrets = {std::string_view(*jwt)};
  auto op = call_token_endpoint(ctx, req, call);
  auto answer = co_await std::move(op);
  if (!answer) {
    co_return answer.error();
  }
  co_return oauth::token_of(*answer, "token endpoint", ctx.clock.now());
}

std::string JwtBearerGrant::cache_key() const {
  // '\n' cannot occur in any of the parts (a JSON string could hold one, but then the key is
  // merely more specific, never shared by mistake).
  return "service_account\n" + sa_.client_email + '\n' + sa_.private_key_id + '\n' + sa_.token_uri;
}

std::string JwtBearerGrant::describe() const {
  return "service account " + sa_.client_email + " (" + origin_ + ")";
}

}  // namespace gw::vertex
