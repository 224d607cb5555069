// One Entra ID token exchange (token_fetch.h).
#include "gw/providers/azure/token_fetch.h"

#include "gw/common/token_file.h"
#include "gw/providers/azure/token_request.h"

namespace gw::azure {

oauth::TokenErrorContext error_context(const std::string& provider, const EntraSourceSpec& spec) {
  oauth::TokenErrorContext ctx{
      provider, "a Microsoft Entra ID token (" + std::string(to_string(spec.kind)) + ")", {}};
  for (const std::string* s : {&spec.client_secret, &spec.identity_header}) {
    if (!s->empty()) {
      ctx.secrets.push_back(*s);
    }
  }
  return ctx;
}

net::awaitable<Result<oauth::FetchedToken>> fetch_entra_token(const EntraSourceSpec& spec,
                                                              const std::string& provider,
                                                              HttpClient& http,
                                                              const Clock& clock,
                                                              const Timeouts& timeouts) {
  oauth::TokenErrorContext ctx = error_context(provider, spec);
  std::string federated;
  if (spec.kind == SourceKind::WorkloadIdentity) {
    auto t = read_token_file(spec.token_file, "federated token");
    if (!t) {
      co_return oauth::token_error(ctx, t.error().message, t.error().retryable);
    }
    federated = std::move(*t);
    ctx.secrets.push_back(federated.substr(federated.size() > 48 ? federated.size() - 48 : 0));
  }
  const UpstreamRequest req = token_request(spec, federated);
  const std::string& endpoint =
      spec.kind == SourceKind::ClientSecret || spec.kind == SourceKind::WorkloadIdentity
          ? spec.token_url
          : spec.endpoint;
  auto op = oauth::exchange(http, req, timeouts, endpoint, clock, ctx);
  co_return co_await std::move(op);
}

}  // namespace gw::azure
