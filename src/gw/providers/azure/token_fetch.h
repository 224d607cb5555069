#pragma once
// One Entra ID token from a source (credential_chain.h): the request (token_request.h), the
// exchange and its answer (oauth/token_answer.h).
#include <string>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/azure/credential_chain.h"
#include "gw/providers/oauth/token_answer.h"
#include "gw/upstream/http_client.h"

namespace gw::azure {

// Who asks and what, for errors: "provider <provider>: could not obtain a Microsoft Entra ID
// token (<source kind>): ...". The spec's secrets are withheld from any description.
oauth::TokenErrorContext error_context(const std::string& provider, const EntraSourceSpec& spec);

// Workload identity reads its token file here, each time (kubelet rotates it). Errors name the
// provider, the source and the endpoint or file, never a secret or token.
net::awaitable<Result<oauth::FetchedToken>> fetch_entra_token(const EntraSourceSpec& spec,
                                                              const std::string& provider,
                                                              HttpClient& http,
                                                              const Clock& clock,
                                                              const Timeouts& timeouts);

}  // namespace gw::azure
