// The chain's network sources (credential_fetch.h).
#include "gw/providers/bedrock/credential_fetch.h"
#include "gw/providers/bedrock/bedrock_signer.h"

#include "gw/common/percent.h"
#include "gw/common/token_file.h"

namespace gw::bedrock {

namespace {

constexpr size_t kMaxAnswerBytes = 64 * 1024;

Error fetch_error(std::string what, Code code = Code::UpstreamError) {
  Error e = make_error(code == Code::UpstreamTimeout ? code : Code::UpstreamError, std::move(what));
  e.retryable = true;
  return e;
}

std::string trimmed(std::string s) {
  const auto ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) {
    return {};
  }
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

struct Answer {
  unsigned status = 0;
  std::string body;
};

// One request, its whole answer (bounded). `where` names the endpoint in errors.
net::awaitable<Result<Answer>> exchange(HttpClient& http,
                                        const UpstreamRequest& req,
                                        const Timeouts& t,
                                        const std::string& where) {
  auto ex = co_await http.start(req, t);
  if (!ex) {
    co_return fetch_error(where + " unreachable (" + ex.error().message + ")", ex.error().code);
  }
  auto body = co_await (*ex)->read_all(kMaxAnswerBytes);
  if (!body) {
    co_return fetch_error("reading the answer of " + where + " failed (" + body.error().message + ")",
                          body.error().code);
  }
  co_return Answer{(*ex)->status(), std::move(*body)};
}

net::awaitable<Result<TemporaryCredentials>> from_web_identity(const CredentialSourceSpec& s,
                                                               HttpClient& http,
                                                               const Timeouts& t) {
  auto token = read_token_file(s.token_file, "web identity token");
  if (!token) {
    co_return token.error();
  }
  UpstreamRequest req;
  req.method = "POST";
  req.url = s.sts_url;
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded; charset=utf-8");
  req.headers.emplace_back("accept", "text/xml");
  req.body = web_identity_request_body(s.role_arn, s.session_name, *token);
  const std::string where = "STS " + s.sts_url;
  auto a = co_await exchange(http, req, t, where);
  if (!a) {
    co_return a.error();
  }
  if (a->status != 200) {
    const std::string code = sts_error_code(a->body);
    Error e = fetch_error(where + " answered AssumeRoleWithWebIdentity with HTTP " +
                          std::to_string(a->status) + (code.empty() ? "" : " " + code));
    e.upstream_status = a->status;
    co_return e;
  }
  auto c = parse_sts_credentials(a->body);
  if (!c) {
    co_return fetch_error(where + ": " + c.error().message);
  }
  co_return std::move(*c);
}

net::awaitable<Result<TemporaryCredentials>> from_assume_role(const CredentialSourceSpec& s,
                                                              HttpClient& http,
                                                              const Timeouts& t,
                                                              SystemTime now) {
  UpstreamRequest req;
  req.method = "POST";
  req.url = s.sts_url;
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded; charset=utf-8");
  req.headers.emplace_back("accept", "text/xml");
  req.body = assume_role_request_body(s.role_arn, s.session_name, s.external_id);
  const std::string where = "STS " + s.sts_url;
  // Signed with the source profile's keys, for STS in its region.
  if (auto signed_ok = sign_request(req, s.env, s.sts_region, now, "sts"); !signed_ok) {
    co_return fetch_error(where + ": " + signed_ok.error().message);
  }
  auto a = co_await exchange(http, req, t, where);
  if (!a) {
    co_return a.error();
  }
  if (a->status != 200) {
    const std::string code = sts_error_code(a->body);
    Error e = fetch_error(where + " answered AssumeRole with HTTP " + std::to_string(a->status) +
                          (code.empty() ? "" : " " + code));
    e.upstream_status = a->status;
    co_return e;
  }
  auto c = parse_sts_credentials(a->body, "AssumeRole");
  if (!c) {
    co_return fetch_error(where + ": " + c.error().message);
  }
  co_return std::move(*c);
}

net::awaitable<Result<TemporaryCredentials>> from_container(const CredentialSourceSpec& s,
                                                            HttpClient& http,
                                                            const Timeouts& t) {
  UpstreamRequest req;
  req.method = "GET";
  req.url = s.container_url;
  req.headers.emplace_back("accept", "application/json");
  std::string auth = s.auth_token;
  if (!s.auth_token_file.empty()) {
    auto f = read_token_file(s.auth_token_file, "container authorization token");
    if (!f) {
      co_return f.error();
    }
    auth = std::move(*f);
  }
  if (!auth.empty()) {
    req.headers.emplace_back("authorization", std::move(auth));
  }
  const std::string where = "the container credentials endpoint " + s.container_url;
  auto a = co_await exchange(http, req, t, where);
  if (!a) {
    co_return a.error();
  }
  if (a->status != 200) {
    Error e = fetch_error(where + " answered HTTP " + std::to_string(a->status));
    e.upstream_status = a->status;
    co_return e;
  }
  auto c = parse_credentials_json(a->body);
  if (!c) {
    co_return fetch_error(where + ": " + c.error().message);
  }
  co_return std::move(*c);
}

bool valid_role_name(std::string_view r) {
  if (r.empty() || r.size() > 128) {
    return false;
  }
  for (char c : r) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

net::awaitable<Result<TemporaryCredentials>> from_instance_metadata(const CredentialSourceSpec& s,
                                                                    HttpClient& http,
                                                                    const Timeouts& t) {
  const std::string where = "EC2 instance metadata at " + s.imds_endpoint;
  UpstreamRequest put;
  put.method = "PUT";
  put.url = s.imds_endpoint + "/latest/api/token";
  put.headers.emplace_back("x-aws-ec2-metadata-token-ttl-seconds", "21600");
  auto tok = co_await exchange(http, put, t, where);
  if (!tok) {
    co_return tok.error();
  }
  if (tok->status != 200) {
    co_return fetch_error(where + " answered the IMDSv2 token request with HTTP " +
                          std::to_string(tok->status));
  }
  const std::string session = trimmed(std::move(tok->body));
  if (session.empty()) {
    co_return fetch_error(where + " answered the IMDSv2 token request without a token");
  }

  const std::string base = s.imds_endpoint + "/latest/meta-data/iam/security-credentials/";
  UpstreamRequest list;
  list.method = "GET";
  list.url = base;
  list.headers.emplace_back("x-aws-ec2-metadata-token", session);
  auto roles = co_await exchange(http, list, t, where);
  if (!roles) {
    co_return roles.error();
  }
  if (roles->status == 404) {
    co_return fetch_error(where + ": no IAM role is attached to this instance");
  }
  if (roles->status != 200) {
    co_return fetch_error(where + " answered the role list with HTTP " + std::to_string(roles->status));
  }
  std::string role = roles->body.substr(0, roles->body.find('\n'));
  role = trimmed(std::move(role));
  if (!valid_role_name(role)) {
    co_return fetch_error(where + " answered the role list without a valid role name");
  }

  UpstreamRequest get;
  get.method = "GET";
  get.url = base + role;
  get.headers.emplace_back("x-aws-ec2-metadata-token", session);
  get.headers.emplace_back("accept", "application/json");
  auto a = co_await exchange(http, get, t, where);
  if (!a) {
    co_return a.error();
  }
  if (a->status != 200) {
    co_return fetch_error(where + " answered the credentials of role " + role + " with HTTP " +
                          std::to_string(a->status));
  }
  auto c = parse_credentials_json(a->body);
  if (!c) {
    co_return fetch_error(where + " (role " + role + "): " + c.error().message);
  }
  co_return std::move(*c);
}

}  // namespace

std::string web_identity_request_body(std::string_view role_arn,
                                      std::string_view session_name,
                                      std::string_view token) {
  return "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + percent_encode(role_arn) +
         "&RoleSessionName=" + percent_encode(session_name) +
         "&WebIdentityToken=" + percent_encode(token);
}

std::string assume_role_request_body(std::string_view role_arn,
                                     std::string_view session_name,
                                     std::string_view external_id) {
  std::string body = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + percent_encode(role_arn) +
                     "&RoleSessionName=" + percent_encode(session_name);
  if (!external_id.empty()) {
    body += "&ExternalId=" + percent_encode(external_id);
  }
  return body;
}

net::awaitable<Result<TemporaryCredentials>> fetch_credentials(const CredentialSourceSpec& s,
                                                               HttpClient& http,
                                                               const FetchTimeouts& t,
                                                               SystemTime now) {
  switch (s.kind) {
    case SourceKind::Environment:
    case SourceKind::SharedProfile: co_return TemporaryCredentials{s.env, std::nullopt};
    case SourceKind::AssumeRole: {
      auto r = co_await from_assume_role(s, http, t.sts, now);
      co_return r;
    }
    case SourceKind::WebIdentity: {
      auto r = co_await from_web_identity(s, http, t.sts);
      co_return r;
    }
    case SourceKind::Container: {
      auto r = co_await from_container(s, http, t.container);
      co_return r;
    }
    case SourceKind::InstanceMetadata: {
      auto r = co_await from_instance_metadata(s, http, t.imds);
      co_return r;
    }
  }
  co_return make_error(Code::Internal, "unknown AWS credential source");
}

}  // namespace gw::bedrock
