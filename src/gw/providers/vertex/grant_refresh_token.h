#pragma once
// The `authorized_user` credential that `gcloud auth application-default login` writes: an OAuth
// client and a user's refresh token, exchanged at token_uri with grant_type=refresh_token.
#include <boost/json.hpp>

#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

struct AuthorizedUser {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string token_uri;  // https://oauth2.googleapis.com/token when the file has none
  std::string quota_project_id;  // optional
};

// The file's fields; `what` prefixes every error (credential_json.h), which never quotes a value.
Result<AuthorizedUser> parse_authorized_user(const boost::json::object& o, std::string_view what);

// grant_type=refresh_token&client_id=..&client_secret=..&refresh_token=.., form-encoded.
std::string refresh_token_body(const AuthorizedUser& u);

class RefreshTokenGrant final : public TokenGrant {
 public:
  RefreshTokenGrant(AuthorizedUser u, std::string origin)
      : u_(std::move(u)), origin_(std::move(origin)) {}
  net::awaitable<Result<GrantedToken>> fetch(const GrantContext& ctx) const override;
  std::string cache_key() const override;
  std::string describe() const override;
  std::string quota_project() const override { return u_.quota_project_id; }

 private:
  AuthorizedUser u_;
  std::string origin_;
};

}  // namespace gw::vertex
