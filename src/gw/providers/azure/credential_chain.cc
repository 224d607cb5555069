// The DefaultAzureCredential order (credential_chain.h).
#include "gw/providers/azure/credential_chain.h"

namespace gw::azure {

namespace {

std::string get(const config::EnvLookup& env, const char* name) {
  return env(name).value_or("");
}

Error chain_error(std::string what) { return make_error(Code::Internal, std::move(what)); }

std::string strip_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

bool http_url(std::string_view s) {
  return (s.starts_with("http://") && s.size() > 7) || (s.starts_with("https://") && s.size() > 8);
}

// A tenant becomes a path segment of the token URL: a GUID or a domain name.
bool valid_tenant(std::string_view t) {
  return !t.empty() && t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789.-") == std::string_view::npos;
}

// `configured` (the provider's authority_host), else AZURE_AUTHORITY_HOST, else the public cloud.
Result<std::string> token_url(const config::EnvLookup& env,
                              const std::string& configured,
                              const std::string& tenant,
                              std::string_view tenant_from) {
  std::string host = configured.empty() ? strip_trailing_slash(get(env, "AZURE_AUTHORITY_HOST"))
                                        : strip_trailing_slash(configured);
  if (host.empty()) {
    host = std::string(kDefaultAuthorityHost);
  }
  if (!http_url(host)) {
    return chain_error("AZURE_AUTHORITY_HOST is not an http(s) URL");
  }
  if (!valid_tenant(tenant)) {
    return chain_error(std::string(tenant_from) +
                       " is not a tenant id (a GUID) or domain (contoso.onmicrosoft.com)");
  }
  return host + "/" + tenant + "/oauth2/v2.0/token";
}

// Every variable of `names` that is unset, as "A and B".
std::string missing(const config::EnvLookup& env, std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names) {
    if (get(env, n).empty()) {
      out += (out.empty() ? "" : " and ") + std::string(n);
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(SourceKind k) {
  switch (k) {
    case SourceKind::ClientSecret: return "client secret";
    case SourceKind::WorkloadIdentity: return "workload identity";
    case SourceKind::AppServiceIdentity: return "managed identity (App Service)";
    case SourceKind::InstanceMetadata: return "managed identity (instance metadata)";
  }
  return "?";
}

std::string EntraSourceSpec::describe() const {
  std::string out(to_string(kind));
  switch (kind) {
    case SourceKind::ClientSecret:
      out += std::string(from_environment ? " (AZURE_CLIENT_SECRET" : " (client_secret") +
             ", tenant " + tenant_id + ", client " + client_id + ", " + token_url + ")";
      break;
    case SourceKind::WorkloadIdentity:
      out += " (tenant " + tenant_id + ", client " + client_id + ", token file " + token_file +
             ", " + token_url + ")";
      break;
    case SourceKind::AppServiceIdentity:
    case SourceKind::InstanceMetadata:
      out += " (" + endpoint +
             (client_id.empty() ? ", system-assigned" : ", user-assigned " + client_id) + ")";
      break;
  }
  return out;
}

std::string EntraSourceSpec::key() const {
  // The secret is part of the key (two secrets of one application are two credentials, one of
  // which may be revoked); the key stays in memory, never in a log.
  std::string k(to_string(kind));
  for (const std::string* part : {&token_url, &tenant_id, &client_id, &client_secret, &token_file,
                                  &endpoint, &identity_header}) {
    k += '\n';
    k += *part;
  }
  return k;
}

Result<EntraSourceSpec> choose_entra_source(const config::Provider& p,
                                            const config::EnvLookup& env) {
  EntraSourceSpec s;
  // s with the v2.0 token endpoint of its tenant (`tenant_from` names where the tenant came from).
  auto with_token_url = [&](std::string_view tenant_from) -> Result<EntraSourceSpec> {
    auto url = token_url(env, p.authority_host, s.tenant_id, tenant_from);
    if (!url) {
      return url.error();
    }
    s.token_url = std::move(*url);
    return s;
  };

  // 1. The provider's own service principal (`check` has made sure all three are there).
  if (!p.client_secret.empty()) {
    s.kind = SourceKind::ClientSecret;
    s.tenant_id = p.tenant_id;
    s.client_id = p.client_id;
    s.client_secret = p.client_secret;
    return with_token_url("tenant_id");
  }

  // 2. The environment's service principal (the SDKs' EnvironmentCredential).
  if (!get(env, "AZURE_CLIENT_SECRET").empty()) {
    if (auto m = missing(env, {"AZURE_TENANT_ID", "AZURE_CLIENT_ID"}); !m.empty()) {
      return chain_error("AZURE_CLIENT_SECRET is set but " + m + " not");
    }
    s.kind = SourceKind::ClientSecret;
    s.from_environment = true;
    s.tenant_id = get(env, "AZURE_TENANT_ID");
    s.client_id = get(env, "AZURE_CLIENT_ID");
    s.client_secret = get(env, "AZURE_CLIENT_SECRET");
    return with_token_url("AZURE_TENANT_ID");
  }

  // 3. Workload identity (AKS): a federated token from the file the webhook mounts.
  if (!get(env, "AZURE_FEDERATED_TOKEN_FILE").empty()) {
    if (auto m = missing(env, {"AZURE_CLIENT_ID", "AZURE_TENANT_ID"}); !m.empty()) {
      return chain_error("AZURE_FEDERATED_TOKEN_FILE is set but " + m + " not");
    }
    s.kind = SourceKind::WorkloadIdentity;
    s.token_file = get(env, "AZURE_FEDERATED_TOKEN_FILE");
    s.tenant_id = get(env, "AZURE_TENANT_ID");
    s.client_id = get(env, "AZURE_CLIENT_ID");
    return with_token_url("AZURE_TENANT_ID");
  }

  // 4. Managed identity of App Service, Functions and Container Apps.
  s.client_id = get(env, "AZURE_CLIENT_ID");
  const std::string identity_endpoint = get(env, "IDENTITY_ENDPOINT");
  if (!identity_endpoint.empty()) {
    if (get(env, "IDENTITY_HEADER").empty()) {
      return chain_error(
          "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not (the Azure Arc and Service Fabric "
          "managed identity endpoints are not supported)");
    }
    if (!http_url(identity_endpoint)) {
      return chain_error("IDENTITY_ENDPOINT is not an http(s) URL");
    }
    s.kind = SourceKind::AppServiceIdentity;
    s.endpoint = identity_endpoint;
    s.identity_header = get(env, "IDENTITY_HEADER");
    return s;
  }

  // 5. Managed identity from the instance metadata service (VMs, scale sets, AKS nodes).
  // AZURE_POD_IDENTITY_AUTHORITY_HOST moves it, as in the Azure SDKs (and in tests).
  s.kind = SourceKind::InstanceMetadata;
  std::string host = strip_trailing_slash(get(env, "AZURE_POD_IDENTITY_AUTHORITY_HOST"));
  if (host.empty()) {
    host = std::string(kImdsEndpoint);
  }
  if (!http_url(host)) {
    return chain_error("AZURE_POD_IDENTITY_AUTHORITY_HOST is not an http(s) URL");
  }
  s.endpoint = host + "/metadata/identity/oauth2/token";
  return s;
}

}  // namespace gw::azure
