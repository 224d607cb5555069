#pragma once
// OAuth2 bearer authentication for Vertex AI: `Authorization: Bearer <token>` from a cached
// service-account token (token_source.h).
#include <memory>

#include "gw/common/clock.h"
#include "gw/providers/signer.h"

namespace gw::vertex {

// Reads the provider's credentials_file once, here. A file that cannot be used does not stop the
// gateway: every sign() then fails with a 502 that names the provider and the problem (never the
// key), so the other providers keep serving and failover can move on.
std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p, HttpClient& client);
// The same with an injected clock (tests).
std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const Clock& clock);

}  // namespace gw::vertex
