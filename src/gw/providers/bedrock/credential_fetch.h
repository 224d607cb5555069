#pragma once
// Fetching temporary credentials from the chain's sources over HTTP, with the gateway's upstream
// client: STS AssumeRoleWithWebIdentity (unsigned query API), STS AssumeRole (SigV4-signed
// with a source profile's keys), the container credentials endpoint
// and EC2 instance metadata (IMDSv2). Errors are UpstreamError with a message safe to log: it
// names the endpoint and the status, never a token or a key.
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/providers/bedrock/aws_credentials.h"
#include "gw/providers/bedrock/credential_chain.h"
#include "gw/upstream/http_client.h"

namespace gw::bedrock {

// Timeouts per source: instance metadata is local or absent, so a gateway off EC2 gives up fast.
struct FetchTimeouts {
  Timeouts sts{std::chrono::milliseconds(3000), std::chrono::milliseconds(10000),
               std::chrono::milliseconds(10000)};
  Timeouts container{std::chrono::milliseconds(2000), std::chrono::milliseconds(5000),
                     std::chrono::milliseconds(5000)};
  Timeouts imds{std::chrono::milliseconds(1000), std::chrono::milliseconds(1000),
                std::chrono::milliseconds(1000)};
};

// The AssumeRoleWithWebIdentity form body (POSTed, so the token is not in a URL).
std::string web_identity_request_body(std::string_view role_arn,
                                      std::string_view session_name,
                                      std::string_view token);

// The AssumeRole form body (a profile's role_arn with source_profile).
std::string assume_role_request_body(std::string_view role_arn,
                                     std::string_view session_name,
                                     std::string_view external_id);

// One fetch from `s` (Environment and SharedProfile need none: their keys are in `s`). Token
// files are read again on every call. `now` signs an AssumeRole call (AWS's time, skew
// corrected).
net::awaitable<Result<TemporaryCredentials>> fetch_credentials(const CredentialSourceSpec& s,
                                                               HttpClient& http,
                                                               const FetchTimeouts& t,
                                                               SystemTime now);

}  // namespace gw::bedrock
