// Credential files by type (credential_file.h).
#include "gw/providers/vertex/credential_file.h"

#include <boost/json.hpp>

#include "gw/providers/vertex/credential_json.h"
#include "gw/providers/vertex/grant_external_account.h"
#include "gw/providers/vertex/grant_jwt_bearer.h"
#include "gw/providers/vertex/grant_refresh_token.h"
#include "gw/providers/vertex/service_account.h"

namespace gw::vertex {

namespace json = boost::json;

Result<std::shared_ptr<const TokenGrant>> parse_credential_file(std::string_view json_text,
                                                                std::string_view what,
                                                                const std::string& origin) {
  json::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return credential_error(what, "is not a JSON object (expected a Google credential file)");
  }
  const json::object& o = v.get_object();
  auto type = string_member(o, "type");
  if (!type) {
    return credential_error(what, "type must be a string");
  }
  if (*type == "service_account") {
    auto sa = parse_service_account(o, what);
    if (!sa) {
      return sa.error();
    }
    return std::make_shared<JwtBearerGrant>(std::move(*sa), origin);
  }
  if (*type == "authorized_user") {
    auto u = parse_authorized_user(o, what);
    if (!u) {
      return u.error();
    }
    return std::make_shared<RefreshTokenGrant>(std::move(*u), origin);
  }
  if (*type == "external_account") {
    auto a = parse_external_account(o, what);
    if (!a) {
      return a.error();
    }
    return std::make_shared<ExternalAccountGrant>(std::move(*a), origin);
  }
  constexpr std::string_view kExpected =
      "(expected \"service_account\", \"authorized_user\" or \"external_account\")";
  if (type->empty()) {
    return credential_error(what, "type is missing " + std::string(kExpected));
  }
  // The type is not a secret; naming it shows the operator at once which kind of file was given.
  return credential_error(what, "type \"" + type->substr(0, 40) + "\" is not supported " +
                                    std::string(kExpected));
}

Result<std::shared_ptr<const TokenGrant>> load_credential_file(const std::string& path,
                                                               std::string_view provider,
                                                               const std::string& origin) {
  const std::string what = "provider " + std::string(provider) + ": " + origin;
  return load_credential<std::shared_ptr<const TokenGrant>>(
      path, provider, what,
      [&](const std::string& text) { return parse_credential_file(text, what, origin); });
}

}  // namespace gw::vertex
