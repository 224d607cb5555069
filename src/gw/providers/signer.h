#pragma once
// Authentication of an encoded upstream request that needs the final bytes or I/O:
// SigV4 (Bedrock) signs method, path, headers and body hash; OAuth (Vertex, Azure's Entra ID)
// fetches a cached token.
#include <memory>
#include <string>
#include <vector>

#include "gw/common/asio.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"
#include "gw/config/load.h"
#include "gw/config/schema.h"

namespace gw {

class HttpClient;
namespace bedrock {
class CredentialSet;
}
namespace vertex {
class DefaultCredentials;
}
namespace azure {
class EntraCredentials;
}

class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  // Adds the authentication headers. Errors are the gateway's own credential problems: 502 that
  // names the provider and never contains a secret.
  virtual net::awaitable<Result<void>> sign(UpstreamRequest& req) = 0;
  // The upstream refused `sent` (as this signer signed it) with `answer` (status, headers, error
  // body). Returns whether the same request signed again could fare better, having made it so:
  // Vertex drops its cached OAuth token on a 401 (revoked or expired early; protocols.md 5.5 "on
  // a 401 from Vertex, refresh once and retry"); SigV4 adopts AWS's clock on a clock-skew refusal
  // and refreshes temporary credentials AWS calls expired or invalid. The relay asks once per
  // request, so a retry that fails again is answered with its error.
  virtual net::awaitable<bool> invalidate(const UpstreamRequest& sent, const UpstreamResponse& answer) {
    (void)sent;
    (void)answer;
    co_return false;
  }
  // The files on this host its credential is read from (a key file, a token file). The relay
  // withholds their paths from the errors clients see and logs them instead.
  virtual std::vector<std::string> credential_files() const { return {}; }
};

// nullptr for providers whose codec already set static credentials (openai, anthropic, azure
// with api_key). `client` is the worker's HTTP client (Vertex and Entra ID fetch tokens with it);
// it outlives the signer. `aws`: the process's AWS default-chain credentials (Bedrock providers
// without static keys). `gcp`: the Google Application Default Credentials (Vertex providers
// without credentials_file). `entra`: the process's Entra ID sources (azure_openai without
// api_key).
std::unique_ptr<RequestSigner> make_signer(const config::Provider& p,
                                           HttpClient& client,
                                           const bedrock::CredentialSet* aws = nullptr,
                                           const vertex::DefaultCredentials* gcp = nullptr,
                                           const azure::EntraCredentials* entra = nullptr);

// Credentials the config points at that cannot be used on this machine (a Vertex credentials_file
// that is missing or not a service-account key; keyless Vertex providers are not looked at: their
// credentials come from the environment, which `check` does not read). Not config problems: the file may exist where
// the gateway will run. `check` prints them as warnings and `serve` logs them at start; requests
// to such a provider fail (502, naming the problem) and fail over. Never quotes a secret.
std::vector<config::Problem> credential_warnings(const config::Config& cfg);

}  // namespace gw
