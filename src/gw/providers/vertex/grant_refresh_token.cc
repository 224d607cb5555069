// The refresh-token grant of gcloud's user credentials (grant_refresh_token.h).
#include "gw/providers/vertex/grant_refresh_token.h"

#include "gw/providers/vertex/credential_json.h"
#include "gw/providers/vertex/service_account.h"
#include "gw/providers/vertex/token_exchange.h"

namespace gw::vertex {

Result<AuthorizedUser> parse_authorized_user(const boost::json::object& o, std::string_view what) {
  AuthorizedUser u;
  for (auto [key, out] : {std::pair{"client_id", &u.client_id},
                          std::pair{"client_secret", &u.client_secret},
                          std::pair{"refresh_token", &u.refresh_token},
                          std::pair{"token_uri", &u.token_uri},
                          std::pair{"quota_project_id", &u.quota_project_id}}) {
    auto v = string_member(o, key);
    if (!v) {
      return credential_error(what, std::string(key) + " must be a string");
    }
    *out = std::move(*v);
  }
  for (auto [key, v] : {std::pair{"client_id", &u.client_id},
                        std::pair{"client_secret", &u.client_secret},
                        std::pair{"refresh_token", &u.refresh_token}}) {
    if (v->empty()) {
      return credential_error(what, std::string(key) + " is missing");
    }
  }
  if (u.token_uri.empty()) {
    u.token_uri = std::string(kDefaultTokenUri);
  } else if (!is_http_url(u.token_uri)) {
    return credential_error(what, "token_uri must be an http:// or https:// URL");
  }
  return u;
}

std::string refresh_token_body(const AuthorizedUser& u) {
  return form_body({{"grant_type", "refresh_token"},
                    {"client_id", u.client_id},
                    {"client_secret", u.client_secret},
                    {"refresh_token", u.refresh_token}});
}

net::awaitable<Result<GrantedToken>> RefreshTokenGrant::fetch(const GrantContext& ctx) const {
  const UpstreamRequest req = token_request("POST", u_.token_uri,
                                            "application/x-www-form-urlencoded",
                                            refresh_token_body(u_));
  TokenCall call;
  call.endpoint = "token endpoint";
  call.secrets = {std::string_view(u_.refresh_token), std::string_view(u_.client_secret)};
  auto op = call_token_endpoint(ctx, req, call);
  auto answer = co_await std::move(op);
  if (!answer) {
    co_return answer.error();
  }
  co_return oauth::token_of(*answer, "token endpoint", ctx.clock.now());
}

std::string RefreshTokenGrant::cache_key() const {
  // The refresh token identifies the user's grant; it stays in this process's memory only.
  return "authorized_user\n" + u_.client_id + '\n' + u_.refresh_token + '\n' + u_.token_uri;
}

std::string RefreshTokenGrant::describe() const {
  return "authorized_user refresh token (" + origin_ + ")";
}

}  // namespace gw::vertex
