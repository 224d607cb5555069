#pragma once
// Microsoft Entra ID authentication for Azure OpenAI: `Authorization: Bearer <token>` from the
// provider's source (entra_credentials.h), in place of the api-key header.
#include <memory>

#include "gw/common/clock.h"
#include "gw/providers/azure/entra_credentials.h"
#include "gw/providers/signer.h"

namespace gw::azure {

// `src` null (no source was set up for this provider): every sign() fails with a 502 naming the
// provider, so failover moves on. `src`, `client` and `clock` outlive the signer.
std::unique_ptr<RequestSigner> make_entra_signer(const config::Provider& p,
                                                 const EntraSource* src,
                                                 HttpClient& client,
                                                 const Clock& clock);

}  // namespace gw::azure
