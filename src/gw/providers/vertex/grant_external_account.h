#pragma once
// The `external_account` credential of workload identity federation: a subject token issued
// elsewhere (a Kubernetes service-account token, an OIDC token from another cloud) is read from
// credential_source.file, exchanged at Google's STS (RFC 8693 token exchange) for a federated
// access token, and, when service_account_impersonation_url is set, that token is traded for a
// service account's access token (IAM generateAccessToken).
#include <optional>

#include <boost/json.hpp>

#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

inline constexpr std::string_view kDefaultStsUrl = "https://sts.googleapis.com/v1/token";

struct ExternalAccount {
  std::string audience;
  std::string subject_token_type;
  std::string token_url;  // STS; kDefaultStsUrl when the file has none
  std::string service_account_impersonation_url;  // empty: the STS token is used as it is
  std::string client_id;      // optional: STS client authentication (HTTP Basic)
  std::string client_secret;
  // credential_source: the subject token is read from this file on every exchange (kubelet and
  // other issuers rotate it), as text or as JSON with the token under subject_token_field_name.
  std::string source_file;
  std::string subject_token_field_name;  // empty: the file is the token as text
  std::string quota_project_id;          // optional
};

// The file's fields; errors name the field, never a value. Sources other than `file` (url,
// executable, aws) are refused by name.
Result<ExternalAccount> parse_external_account(const boost::json::object& o, std::string_view what);

// The subject token from the file's contents (text trimmed of surrounding whitespace, or the
// named JSON field). Errors never quote the contents.
Result<std::string> subject_token_of(const ExternalAccount& a, std::string_view file_text);

// The STS request body (form-encoded): grant_type token-exchange, audience, scope,
// requested_token_type access_token, subject_token, subject_token_type.
std::string sts_request_body(const ExternalAccount& a,
                             std::string_view subject_token,
                             std::string_view scope);
// The impersonation request body: {"scope":["<scope>", ...]}.
std::string impersonation_request_body(std::string_view scope);

class ExternalAccountGrant final : public TokenGrant {
 public:
  ExternalAccountGrant(ExternalAccount a, std::string origin)
      : a_(std::move(a)), origin_(std::move(origin)) {}
  net::awaitable<Result<GrantedToken>> fetch(const GrantContext& ctx) const override;
  std::string cache_key() const override;
  std::string describe() const override;
  std::string quota_project() const override { return a_.quota_project_id; }
  std::vector<std::string> files() const override { return {a_.source_file}; }

 private:
  net::awaitable<Result<GrantedToken>> impersonate(const GrantContext& ctx,
                                                   const std::string& federated,
                                                   SystemTime began) const;
  ExternalAccount a_;
  std::string origin_;
};

}  // namespace gw::vertex
