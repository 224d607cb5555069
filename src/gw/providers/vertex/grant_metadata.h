#pragma once
// The GCE / GKE / Cloud Run metadata server: the access token of the instance's (or, with GKE
// Workload Identity, the pod's) service account, with no credential on this machine at all.
#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

inline constexpr std::string_view kDefaultMetadataHost = "metadata.google.internal";

// http://<host>/computeMetadata/v1/instance/service-accounts/default/token. `host` is
// GCE_METADATA_HOST's value when set (host or host:port, as the Google SDKs read it).
std::string metadata_token_url(std::string_view host);

class MetadataServerGrant final : public TokenGrant {
 public:
  explicit MetadataServerGrant(std::string host) : url_(metadata_token_url(host)) {}
  // GET with `Metadata-Flavor: Google` (the server refuses requests without it, which keeps a
  // forwarded browser request from reading the token) -> {access_token, expires_in, token_type}.
  net::awaitable<Result<GrantedToken>> fetch(const GrantContext& ctx) const override;
  std::string cache_key() const override { return "metadata\n" + url_; }
  std::string describe() const override { return "GCE metadata server " + url_; }

 private:
  std::string url_;
};

}  // namespace gw::vertex
