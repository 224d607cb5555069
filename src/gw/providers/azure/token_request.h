#pragma once
// The token requests of each Entra ID source (credential_chain.h), built as values. Pure.
#include <string>
#include <string_view>

#include "gw/common/http_types.h"
#include "gw/providers/azure/credential_chain.h"

namespace gw::azure {

// client_credentials grant with a client secret, application/x-www-form-urlencoded.
std::string client_secret_body(std::string_view client_id,
                               std::string_view client_secret,
                               std::string_view scope = kScope);
// client_credentials grant with a federated token as the client assertion (workload identity).
std::string client_assertion_body(std::string_view client_id,
                                  std::string_view assertion,
                                  std::string_view scope = kScope);

// The request for `spec`. `federated_token`: the token file's current content (WorkloadIdentity
// only). Managed identity asks for kResource, with client_id for a user-assigned identity.
UpstreamRequest token_request(const EntraSourceSpec& spec, std::string_view federated_token = {});

}  // namespace gw::azure
