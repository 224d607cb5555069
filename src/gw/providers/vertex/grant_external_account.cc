// Workload identity federation (grant_external_account.h).
#include "gw/providers/vertex/grant_external_account.h"

#include <cstdio>

#include <boost/algorithm/string/trim.hpp>

#include "gw/common/base64.h"
#include "gw/providers/vertex/credential_json.h"
#include "gw/providers/vertex/token_exchange.h"

namespace gw::vertex {

namespace json = boost::json;

namespace {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

// IAM's expireTime: RFC 3339 in UTC ("2024-01-15T12:34:56Z", fractional seconds allowed).
std::optional<SystemTime> parse_utc_time(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(s).substr(size_t(used));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      rest.remove_prefix(1);
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(unsigned(mo)),
                                        std::chrono::day(unsigned(d))};
  if ((rest != "Z" && rest != "z") || !ymd.ok() || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec);
}

}  // namespace

Result<ExternalAccount> parse_external_account(const json::object& o, std::string_view what) {
  ExternalAccount a;
  for (auto [key, out] : {std::pair{"audience", &a.audience},
                          std::pair{"subject_token_type", &a.subject_token_type},
                          std::pair{"token_url", &a.token_url},
                          std::pair{"service_account_impersonation_url",
                                    &a.service_account_impersonation_url},
                          std::pair{"client_id", &a.client_id},
                          std::pair{"client_secret", &a.client_secret},
                          std::pair{"quota_project_id", &a.quota_project_id}}) {
    auto v = string_member(o, key);
    if (!v) {
      return credential_error(what, std::string(key) + " must be a string");
    }
    *out = std::move(*v);
  }
  if (a.audience.empty()) {
    return credential_error(what, "audience is missing");
  }
  if (a.subject_token_type.empty()) {
    return credential_error(what, "subject_token_type is missing");
  }
  if (a.token_url.empty()) {
    a.token_url = std::string(kDefaultStsUrl);
  } else if (!is_http_url(a.token_url)) {
    return credential_error(what, "token_url must be an http:// or https:// URL");
  }
  if (!a.service_account_impersonation_url.empty() &&
      !is_http_url(a.service_account_impersonation_url)) {
    return credential_error(what, "service_account_impersonation_url must be an http:// or https:// URL");
  }
  const json::value* src = o.if_contains("credential_source");
  if (src == nullptr || !src->is_object()) {
    return credential_error(what, "credential_source is missing (expected an object)");
  }
  const json::object& cs = src->get_object();
  auto file = string_member(cs, "file");
  if (!file) {
    return credential_error(what, "credential_source.file must be a string");
  }
  if (file->empty()) {
    for (std::string_view other : {"url", "executable", "environment_id", "certificate"}) {
      if (cs.contains(other)) {
        return credential_error(what, "credential_source." + std::string(other) +
                                          " is not supported (only credential_source.file is)");
      }
    }
    return credential_error(what, "credential_source.file is missing");
  }
  a.source_file = std::move(*file);
  if (const json::value* fmt = cs.if_contains("format"); fmt != nullptr && !fmt->is_null()) {
    if (!fmt->is_object()) {
      return credential_error(what, "credential_source.format must be an object");
    }
    auto type = string_member(fmt->get_object(), "type");
    auto field = string_member(fmt->get_object(), "subject_token_field_name");
    if (!type || !field) {
      return credential_error(what, "credential_source.format fields must be strings");
    }
    if (*type == "json") {
      if (field->empty()) {
        return credential_error(what, "credential_source.format.subject_token_field_name is missing");
      }
      a.subject_token_field_name = std::move(*field);
    } else if (!type->empty() && *type != "text") {
      return credential_error(what, "credential_source.format.type must be \"text\" or \"json\"");
    }
  }
  return a;
}

Result<std::string> subject_token_of(const ExternalAccount& a, std::string_view file_text) {
  const std::string what = "subject token file " + a.source_file;
  if (a.subject_token_field_name.empty()) {
    std::string t = boost::algorithm::trim_copy(std::string(file_text));
    if (t.empty()) {
      return credential_error(what, "is empty");
    }
    return t;
  }
  json::error_code ec;
  json::value v = json::parse(file_text, ec);
  if (ec || !v.is_object()) {
    return credential_error(what, "is not a JSON object");
  }
  auto t = string_member(v.get_object(), a.subject_token_field_name);
  if (!t || t->empty()) {
    return credential_error(what, "has no string field " + a.subject_token_field_name);
  }
  return std::move(*t);
}

std::string sts_request_body(const ExternalAccount& a,
                             std::string_view subject_token,
                             std::string_view scope) {
  return form_body({{"grant_type", kTokenExchange},
                    {"audience", a.audience},
                    {"scope", scope},
                    {"requested_token_type", kAccessTokenType},
                    {"subject_token", subject_token},
                    {"subject_token_type", a.subject_token_type}});
}

std::string impersonation_request_body(std::string_view scope) {
  json::array scopes;
  while (!scope.empty()) {
    const size_t sp = scope.find(' ');
    if (sp != 0) {
      scopes.emplace_back(scope.substr(0, sp));
    }
    scope = sp == std::string_view::npos ? std::string_view() : scope.substr(sp + 1);
  }
  return json::serialize(json::object{{"scope", std::move(scopes)}});
}

net::awaitable<Result<GrantedToken>> ExternalAccountGrant::fetch(const GrantContext& ctx) const {
  const SystemTime began = ctx.clock.now();
  // Re-read on every exchange: the issuer rotates the file (a projected service-account token
  // lives an hour).
  auto text = read_credential_file(a_.source_file, "subject token file " + a_.source_file);
  if (!text) {
    co_return text.error();
  }
  auto subject = subject_token_of(a_, *text);
  if (!subject) {
    co_return subject.error();
  }
  UpstreamRequest req = token_request("POST", a_.token_url, "application/x-www-form-urlencoded",
                                      sts_request_body(a_, *subject, ctx.scope));
  if (!a_.client_id.empty()) {
    req.headers.emplace_back("authorization",
                             "Basic " + base64_encode(a_.client_id + ":" + a_.client_secret));
  }
  TokenCall call;
  call.endpoint = "STS";
  call.secrets = {std::string_view(*subject), std::string_view(a_.client_secret)};
  auto op = call_token_endpoint(ctx, req, call);
  auto answer = co_await std::move(op);
  if (!answer) {
    co_return answer.error();
  }
  auto federated = oauth::token_of(*answer, "STS", ctx.clock.now());
  if (!federated || a_.service_account_impersonation_url.empty()) {
    co_return federated;
  }
  auto exchange = impersonate(ctx, federated->token, began);
  co_return co_await std::move(exchange);
}

net::awaitable<Result<GrantedToken>> ExternalAccountGrant::impersonate(
    const GrantContext& ctx, const std::string& federated, SystemTime began) const {
  UpstreamRequest req = token_request("POST", a_.service_account_impersonation_url,
                                      "application/json", impersonation_request_body(ctx.scope));
  req.headers.emplace_back("authorization", "Bearer " + federated);
  TokenCall call;
  call.endpoint = "impersonation endpoint";
  call.secrets = {std::string_view(federated)};
  auto op = call_token_endpoint(ctx, req, call);
  auto answer = co_await std::move(op);
  if (!answer) {
    co_return answer.error();
  }
  auto token = string_member(*answer, "accessToken");
  if (!token || token->empty()) {
    co_return grant_error("impersonation endpoint answered HTTP 200 without an accessToken", false);
  }
  auto expire = string_member(*answer, "expireTime");
  const std::optional<SystemTime> at = expire ? parse_utc_time(*expire) : std::nullopt;
  if (!at || *at <= began) {
    co_return grant_error("impersonation endpoint answered with an invalid expireTime", false);
  }
  co_return GrantedToken{
      .token = std::move(*token),
      .lifetime = std::chrono::duration_cast<std::chrono::seconds>(*at - began)};
}

std::string ExternalAccountGrant::cache_key() const {
  return "external_account\n" + a_.audience + '\n' + a_.token_url + '\n' +
         a_.service_account_impersonation_url + '\n' + a_.source_file;
}

std::string ExternalAccountGrant::describe() const {
  std::string d = "external_account (workload identity federation) for " + a_.audience +
                  " via STS " + a_.token_url + ", subject token file " + a_.source_file;
  if (!a_.service_account_impersonation_url.empty()) {
    d += ", impersonating through " + a_.service_account_impersonation_url;
  }
  return d + " (" + origin_ + ")";
}

}  // namespace gw::vertex
