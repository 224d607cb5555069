// The metadata server grant (grant_metadata.h).
#include "gw/providers/vertex/grant_metadata.h"

#include "gw/providers/vertex/token_exchange.h"

namespace gw::vertex {

std::string metadata_token_url(std::string_view host) {
  std::string_view h = host;
  if (h.rfind("http://", 0) == 0) {  // tolerated: some setups write the scheme too
    h.remove_prefix(7);
  }
  while (!h.empty() && h.back() == '/') {
    h.remove_suffix(1);
  }
  return "http://" + std::string(h) + "/computeMetadata/v1/instance/service-accounts/default/token";
}

net::awaitable<Result<GrantedToken>> MetadataServerGrant::fetch(const GrantContext& ctx) const {
  // The token carries the scopes the instance or pod was given; cloud-platform is GKE's and
  // Cloud Run's default.
  UpstreamRequest req = token_request("GET", url_, "", "");
  req.headers.emplace_back("metadata-flavor", "Google");
  TokenCall call;
  call.endpoint = "metadata server";
  auto op = call_token_endpoint(ctx, req, call);
  auto answer = co_await std::move(op);
  if (!answer) {
    co_return answer.error();
  }
  co_return oauth::token_of(*answer, "metadata server", ctx.clock.now());
}

}  // namespace gw::vertex
