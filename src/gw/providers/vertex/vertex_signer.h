#pragma once
// OAuth2 bearer authentication for Vertex AI: `Authorization: Bearer <token>` from a cached
// Google access token (token_source.h).
#include <memory>

#include "gw/common/clock.h"
#include "gw/providers/signer.h"

namespace gw::vertex {

class DefaultCredentials;

// Reads the provider's credentials_file once, here; a provider without one uses what `adc` found
// for it (adc.h). A credential that cannot be used does not stop the gateway: every sign() then
// fails with a 502 that names the provider and the problem (never a secret), so the other
// providers keep serving and failover can move on.
std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const DefaultCredentials* adc = nullptr);
// The same with an injected clock (tests).
std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const Clock& clock,
                                                  const DefaultCredentials* adc = nullptr);

}  // namespace gw::vertex
