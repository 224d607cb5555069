#pragma once
// Temporary AWS credentials as the credential sources of the default chain hand them out
// (protocols.md 4.9 "Credential sources"), and the pure parsers of the answers that carry them:
// STS AssumeRoleWithWebIdentity (XML), the ECS/EKS container endpoint and EC2 instance metadata
// (JSON). Errors never quote a value from the answer: it may hold a secret.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/bedrock/sigv4.h"

namespace gw::bedrock {

struct TemporaryCredentials {
  Credentials creds;
  std::optional<SystemTime> expiration;  // none: no end announced
};

// "2024-01-15T12:34:56Z", with optional fractional seconds and a `Z` or `+hh:mm`/`-hh:mm` offset
// (the forms STS, ECS and IMDS use). nullopt when malformed.
std::optional<SystemTime> parse_aws_time(std::string_view s);
// The `n` decimal digits at `pos` of `s` as a number in `out`; false if any is missing or not a
// digit. Shared by the time parsers (parse_aws_time, clock_skew.h's HTTP and X-Amz-Date readers).
bool read_digits(std::string_view s, size_t pos, size_t n, int& out);
// The other way, to whole seconds: "2024-01-15T12:34:56Z".
std::string format_aws_time(SystemTime t);

// The Credentials of an STS `action` response (AssumeRoleWithWebIdentityResponse,
// AssumeRoleResponse): AccessKeyId, SecretAccessKey, SessionToken and Expiration under
// {action}Result/Credentials. Namespace prefixes, attributes, comments, CDATA and character
// references are understood.
Result<TemporaryCredentials> parse_sts_credentials(std::string_view xml,
                                                   std::string_view action = "AssumeRoleWithWebIdentity");

// The Code of an STS ErrorResponse ("InvalidIdentityToken"), printable and bounded, so that it
// may be logged; empty when there is none.
std::string sts_error_code(std::string_view xml);

// {AccessKeyId, SecretAccessKey, Token, Expiration}: the container credentials endpoint and
// EC2 instance metadata (which adds "Code": "Success"; another Code is an error).
Result<TemporaryCredentials> parse_credentials_json(std::string_view json);

// The text of every element at `path` + one more level, by local name (namespace prefixes
// dropped), in document order; nullopt when the document is not well-formed enough to trust.
// Exposed for tests.
std::optional<std::vector<std::pair<std::string, std::string>>> xml_children_text(
    std::string_view xml, const std::vector<std::string_view>& path);

}  // namespace gw::bedrock
