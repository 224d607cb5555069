#pragma once
// The AWS default credential chain, for Bedrock providers configured without static keys: which
// source the environment names, in the SDKs' order (environment, shared config files' profile,
// web identity, container, EC2 instance metadata). Pure: the environment and the shared files
// come in as values, nothing is read or fetched here.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gw/common/result.h"
#include "gw/providers/bedrock/sigv4.h"

namespace gw::bedrock {

enum class SourceKind { Environment, SharedProfile, AssumeRole, WebIdentity, Container, InstanceMetadata };

std::string_view to_string(SourceKind k);

struct CredentialSourceSpec {
  SourceKind kind = SourceKind::Environment;
  // Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. SharedProfile: the
  // profile's static keys. AssumeRole: the source profile's, which sign the STS call.
  Credentials env;
  // SharedProfile, AssumeRole, and WebIdentity from a profile: the profile's name.
  std::string profile;
  // AssumeRole: POST Action=AssumeRole to sts_url, SigV4-signed for sts_region.
  std::string source_profile;
  std::string sts_region;
  std::string external_id;
  // WebIdentity, AssumeRole: POST to sts_url (https://sts.{region}.amazonaws.com or AWS_ENDPOINT_URL_STS).
  std::string sts_url;
  std::string role_arn;
  std::string session_name;
  std::string token_file;  // re-read on every refresh (kubelet rotates it)
  // Container: GET container_url with `Authorization` from auth_token_file (re-read on every
  // refresh; EKS Pod Identity rotates it) or else auth_token.
  std::string container_url;
  std::string auth_token_file;
  std::string auth_token;
  // InstanceMetadata: IMDSv2 at imds_endpoint (http://169.254.169.254 by default).
  std::string imds_endpoint;

  // For logs: the kind and where it comes from (role ARN, URLs, file paths), never a secret.
  std::string describe() const;
  // Two providers with the same key share one credential and its refreshes.
  std::string key() const;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct SharedFiles;

// The first source the environment names. `region` is the provider's (STS's endpoint when
// AWS_REGION / AWS_DEFAULT_REGION are unset); `default_session_name` is used when
// AWS_ROLE_SESSION_NAME is unset. `profile` is the provider's `profile`: then that profile of
// `files` is the only source. Otherwise the profile AWS_PROFILE names (which must exist) or
// `default` (when it holds credentials) comes right after the environment's keys. Errors: a
// half-configured source (a token file without a role, an access key without its secret, a
// container URI that is neither https nor a local address), a named profile that is missing or
// unusable, or no source at all (instance metadata disabled with AWS_EC2_METADATA_DISABLED=true).
// `files` null: the shared files are not consulted.
Result<CredentialSourceSpec> choose_credential_source(const EnvLookup& env,
                                                      std::string_view region,
                                                      std::string_view default_session_name,
                                                      std::string_view profile = {},
                                                      const SharedFiles* files = nullptr);

// Whether an http:// container credentials URI may be used: loopback, or the ECS (169.254.170.2)
// and EKS Pod Identity (169.254.170.23, fd00:ec2::23) agents, as the SDKs allow.
bool allowed_container_host(std::string_view host);

}  // namespace gw::bedrock
