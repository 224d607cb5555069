#pragma once
// One way of obtaining a Google OAuth2 access token (protocols.md 5.5): a service-account key
// (JWT bearer), a gcloud user's refresh token, workload identity federation (STS, optionally
// followed by service-account impersonation) or the GCE/GKE metadata server. TokenSource
// (token_source.h, over oauth::TokenSource) caches what a grant returns and decides when to call it again; a grant only
// performs one exchange.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/oauth/token_answer.h"
#include "gw/upstream/http_client.h"

namespace gw::vertex {

// The token and its lifetime, counted from when the exchange began.
using GrantedToken = oauth::FetchedToken;

struct GrantContext {
  HttpClient& http;
  const Clock& clock;
  const Timeouts& timeouts;
  std::string_view scope;  // space-separated OAuth scopes
};

class TokenGrant {
 public:
  virtual ~TokenGrant() = default;
  // One exchange. Errors are UpstreamError (UpstreamTimeout for timeouts) whose message says what
  // failed without the provider (TokenSource adds it) and never quotes a credential; retryable
  // for connection failures, timeouts, 408, 429 and 5xx, not for rejections of the credential.
  virtual net::awaitable<Result<GrantedToken>> fetch(const GrantContext& ctx) const = 0;
  // Grants with the same key obtain the same token, so the workers' sources share one cache.
  virtual std::string cache_key() const = 0;
  // For logs and errors: the kind of credential and where it comes from (file, URL, account),
  // never a secret.
  virtual std::string describe() const = 0;
  // The project billed for quota, when the credential names one (a gcloud user's or a workload
  // identity file's quota_project_id): sent as x-goog-user-project, without which Vertex refuses
  // user credentials ("requires a quota project"). Empty: the resource's own project pays.
  virtual std::string quota_project() const { return {}; }
  // Files the grant reads on every exchange (a workload identity's subject token file), beyond the
  // credential file it came from; their paths are kept out of clients' errors (signer.h).
  virtual std::vector<std::string> files() const { return {}; }
};

}  // namespace gw::vertex
