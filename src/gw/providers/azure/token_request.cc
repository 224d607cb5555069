// Token requests (token_request.h): the v2.0 token endpoint's client credentials grants, and the
// managed identity endpoints' GETs (IMDS api-version 2018-02-01 with `Metadata: true`; App
// Service 2019-08-01 with X-IDENTITY-HEADER).
#include "gw/providers/azure/token_request.h"

#include "gw/common/percent.h"

namespace gw::azure {

namespace {

constexpr std::string_view kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

UpstreamRequest form_post(const std::string& url, std::string body) {
  UpstreamRequest req;
  req.method = "POST";
  req.url = url;
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("accept", "application/json");
  req.body = std::move(body);
  return req;
}

UpstreamRequest identity_get(const EntraSourceSpec& spec, std::string_view api_version) {
  UpstreamRequest req;
  req.method = "GET";
  req.url = spec.endpoint + (spec.endpoint.find('?') == std::string::npos ? "?" : "&") +
            "api-version=" + std::string(api_version) + "&resource=" + percent_encode(kResource);
  if (!spec.client_id.empty()) {
    req.url += "&client_id=" + percent_encode(spec.client_id);
  }
  req.headers.emplace_back("accept", "application/json");
  return req;
}

}  // namespace

std::string client_secret_body(std::string_view client_id,
                               std::string_view client_secret,
                               std::string_view scope) {
  return "grant_type=client_credentials&client_id=" + percent_encode(client_id) +
         "&client_secret=" + percent_encode(client_secret) + "&scope=" + percent_encode(scope);
}

std::string client_assertion_body(std::string_view client_id,
                                  std::string_view assertion,
                                  std::string_view scope) {
  return "grant_type=client_credentials&client_id=" + percent_encode(client_id) +
         "&client_assertion_type=" + percent_encode(kAssertionType) +
         "&client_assertion=" + percent_encode(assertion) + "&scope=" + percent_encode(scope);
}

UpstreamRequest token_request(const EntraSourceSpec& spec, std::string_view federated_token) {
  switch (spec.kind) {
    case SourceKind::ClientSecret:
      return form_post(spec.token_url, client_secret_body(spec.client_id, spec.client_secret));
    case SourceKind::WorkloadIdentity:
      return form_post(spec.token_url, client_assertion_body(spec.client_id, federated_token));
    case SourceKind::AppServiceIdentity: {
      UpstreamRequest req = identity_get(spec, "2019-08-01");
      req.headers.emplace_back("x-identity-header", spec.identity_header);
      return req;
    }
    case SourceKind::InstanceMetadata: {
      UpstreamRequest req = identity_get(spec, "2018-02-01");
      req.headers.emplace_back("metadata", "true");
      return req;
    }
  }
  return {};
}

}  // namespace gw::azure
