#pragma once
// SigV4 for Bedrock requests (protocols.md 4.9): the RequestSigner the registry hands the relay,
// and the pure step it runs, for tests.
#include <memory>
#include <string_view>

#include "gw/common/clock.h"
#include "gw/providers/bedrock/credential_provider.h"
#include "gw/providers/bedrock/sigv4.h"
#include "gw/providers/signer.h"

namespace gw::bedrock {

// Signs with the provider's access_key_id / secret_access_key / session_token for its region,
// at `clock`'s time; a provider without access_key_id signs with what `chain` holds now (the AWS
// default credential chain, credential_set.h), and fails with 503 while it holds no valid
// credential. The provider config and the clock outlive the signer.
std::unique_ptr<RequestSigner> make_bedrock_signer(
    const config::Provider& p,
    const Clock& clock = real_clock(),
    std::shared_ptr<const CredentialProvider> chain = nullptr);

// Adds host, x-amz-date, x-amz-content-sha256, x-amz-security-token (session credentials) and
// authorization to `req`, replacing stale copies; host, path and query come from req.url exactly
// as the request will send them. The HTTP client must send `host` as given here.
Result<void> sign_request(UpstreamRequest& req, const Credentials& creds, std::string_view region,
                          SystemTime now);

}  // namespace gw::bedrock
