#pragma once
// SigV4 for Bedrock requests (protocols.md 4.9): the RequestSigner the registry hands the relay,
// and the pure step it runs, for tests.
#include <memory>
#include <string_view>

#include "gw/common/clock.h"
#include "gw/providers/bedrock/clock_skew.h"
#include "gw/providers/bedrock/credential_provider.h"
#include "gw/providers/bedrock/sigv4.h"
#include "gw/providers/signer.h"

namespace gw::bedrock {

// Signs with the provider's access_key_id / secret_access_key / session_token for its region,
// at `clock`'s time corrected by `skew` (the process's, shared by every signer; null: one of its
// own); a provider without access_key_id signs with what `chain` holds now (the AWS default
// credential chain, credential_set.h), and fails with 503 while it holds no valid credential.
// invalidate(): a clock-skew refusal corrects the skew, and an expired or invalid security token
// from the chain's credential refreshes it (static keys are never retried: 502). The provider
// config and the clock outlive the signer.
std::unique_ptr<RequestSigner> make_bedrock_signer(
    const config::Provider& p,
    const Clock& clock = real_clock(),
    std::shared_ptr<CredentialProvider> chain = nullptr,
    std::shared_ptr<ClockSkew> skew = nullptr);

// Whether AWS refused a request because its temporary credential expired or was revoked:
// ExpiredTokenException, or UnrecognizedClientException / InvalidClientTokenId "The security
// token included in the request is invalid".
bool is_expired_token_refusal(const UpstreamResponse& resp);

// Adds host, x-amz-date, x-amz-content-sha256, x-amz-security-token (session credentials) and
// authorization to `req`, replacing stale copies; host, path and query come from req.url exactly
// as the request will send them. The HTTP client must send `host` as given here.
// `service`: the signing name ("sts" for STS AssumeRole).
Result<void> sign_request(UpstreamRequest& req, const Credentials& creds, std::string_view region,
                          SystemTime now, std::string_view service = kSigningService);

}  // namespace gw::bedrock
