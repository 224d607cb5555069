#pragma once
// The service-account grant (protocols.md 5.5): an RS256 assertion signed with the key file's
// private key, exchanged at its token_uri (urn:ietf:params:oauth:grant-type:jwt-bearer).
#include "gw/providers/vertex/grant.h"
#include "gw/providers/vertex/service_account.h"

namespace gw::vertex {

// The token endpoint request body: grant_type and assertion, application/x-www-form-urlencoded.
std::string token_request_body(std::string_view assertion);

class JwtBearerGrant final : public TokenGrant {
 public:
  // `origin` says where the key came from, for describe(): "credentials_file /etc/sa.json".
  JwtBearerGrant(ServiceAccount sa, std::string origin)
      : sa_(std::move(sa)), origin_(std::move(origin)) {}

  net::awaitable<Result<GrantedToken>> fetch(const GrantContext& ctx) const override;
  std::string cache_key() const override;
  std::string describe() const override;

  // The signed assertion for time `now` and `scope` (exposed for tests; the exchange sends
  // exactly this).
  Result<std::string> assertion(SystemTime now, std::string_view scope) const;
  const ServiceAccount& account() const { return sa_; }

 private:
  ServiceAccount sa_;
  std::string origin_;
};

}  // namespace gw::vertex
