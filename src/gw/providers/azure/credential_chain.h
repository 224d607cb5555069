#pragma once
// Where an azure_openai provider without api_key gets its Microsoft Entra ID tokens, in the order
// of the Azure SDKs' DefaultAzureCredential: the provider's own service principal (tenant_id,
// client_id, client_secret), then the environment's service principal (AZURE_CLIENT_SECRET),
// workload identity (AKS: AZURE_FEDERATED_TOKEN_FILE), and managed identity (App Service and
// Container Apps: IDENTITY_ENDPOINT; otherwise the VM's instance metadata service). Pure: the
// environment comes in as a lookup, nothing is fetched here.
#include <string>
#include <string_view>

#include "gw/common/result.h"
#include "gw/config/load.h"
#include "gw/config/schema.h"

namespace gw::azure {

// What a token is for: Azure OpenAI (Cognitive Services), as scope (v2.0 token endpoint) and as
// resource (managed identity endpoints).
inline constexpr std::string_view kScope = "https://cognitiveservices.azure.com/.default";
inline constexpr std::string_view kResource = "https://cognitiveservices.azure.com";
inline constexpr std::string_view kDefaultAuthorityHost = "https://login.microsoftonline.com";
inline constexpr std::string_view kImdsEndpoint = "http://169.254.169.254";

enum class SourceKind { ClientSecret, WorkloadIdentity, AppServiceIdentity, InstanceMetadata };

std::string_view to_string(SourceKind k);

struct EntraSourceSpec {
  SourceKind kind = SourceKind::ClientSecret;
  bool from_environment = false;  // ClientSecret: AZURE_CLIENT_SECRET rather than the config
  // ClientSecret, WorkloadIdentity: {authority_host}/{tenant}/oauth2/v2.0/token.
  std::string token_url;
  std::string tenant_id;
  // The application (ClientSecret, WorkloadIdentity), or a user-assigned managed identity
  // (AZURE_CLIENT_ID; empty: the system-assigned one).
  std::string client_id;
  std::string client_secret;
  std::string token_file;  // WorkloadIdentity: re-read for every token (kubelet rotates it)
  // AppServiceIdentity: IDENTITY_ENDPOINT; InstanceMetadata: {host}/metadata/identity/oauth2/token.
  std::string endpoint;
  std::string identity_header;  // AppServiceIdentity: IDENTITY_HEADER

  // For logs: the kind and where it comes from (tenant, client id, URLs, file), never a secret.
  std::string describe() const;
  // Two providers with the same key share one token and its refreshes.
  std::string key() const;
};

// The first source for `p` (an azure_openai provider without api_key). Errors, naming what is
// missing: a half-configured source in the environment (AZURE_FEDERATED_TOKEN_FILE without
// AZURE_CLIENT_ID, IDENTITY_ENDPOINT without IDENTITY_HEADER, ...), a tenant that is not a tenant
// id or domain, an authority host that is not an http(s) URL. Instance metadata, the last resort,
// is assumed: whether it answers is for the caller to find out.
Result<EntraSourceSpec> choose_entra_source(const config::Provider& p, const config::EnvLookup& env);

}  // namespace gw::azure
