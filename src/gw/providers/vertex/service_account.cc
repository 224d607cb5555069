// Service-account key files (protocols.md 5.5). Every error names the file and the field at
// fault but never echoes a value: a half-pasted key would otherwise end up in logs and replies.
#include "gw/providers/vertex/service_account.h"

#include "gw/providers/vertex/credential_json.h"

namespace gw::vertex {

namespace json = boost::json;

Result<ServiceAccount> parse_service_account(std::string_view json_text, std::string_view what) {
  json::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return credential_error(what, "is not a JSON object (expected a service-account key file)");
  }
  return parse_service_account(v.get_object(), what);
}

Result<ServiceAccount> parse_service_account(const json::object& o, std::string_view what) {
  for (std::string_view key :
       {"type", "client_email", "private_key", "private_key_id", "token_uri", "project_id"}) {
    if (!string_member(o, key)) {
      return credential_error(what, std::string(key) + " must be a string");
    }
  }
  const std::string type = *string_member(o, "type");
  if (type.empty()) {
    return credential_error(what, "type is missing (expected \"service_account\")");
  }
  if (type != "service_account") {
    // authorized_user / external_account files need other grant flows; name the type (not a
    // secret) so the operator sees at once which kind of file was given.
    return credential_error(what, "type \"" + type.substr(0, 40) +
                                      "\" is not supported (expected \"service_account\")");
  }
  ServiceAccount sa{.client_email = *string_member(o, "client_email"),
                    .private_key_id = *string_member(o, "private_key_id"),
                    .token_uri = *string_member(o, "token_uri"),
                    .project_id = *string_member(o, "project_id"),
                    .key = {}};
  if (sa.client_email.empty()) {
    return credential_error(what, "client_email is missing");
  }
  if (sa.token_uri.empty()) {
    sa.token_uri = std::string(kDefaultTokenUri);
  } else if (!is_http_url(sa.token_uri)) {
    return credential_error(what, "token_uri must be an http:// or https:// URL");
  }
  const std::string pem = *string_member(o, "private_key");
  if (pem.empty()) {
    return credential_error(what, "private_key is missing");
  }
  auto key = RsaKey::from_pem(pem);
  if (!key) {
    return credential_error(what, key.error().message);
  }
  sa.key = std::move(*key);
  return sa;
}

Result<ServiceAccount> load_service_account(const std::string& path, std::string_view provider) {
  const std::string what = "provider " + std::string(provider) + ": credentials file " + path;
  return load_credential<ServiceAccount>(
      path, provider, what, [&](const std::string& text) { return parse_service_account(text, what); });
}

}  // namespace gw::vertex
