#include "gw/admin/admin_routes.h"

#include <algorithm>

#include "gw/admin/admin_json.h"
#include "gw/admin/key_models.h"
#include "gw/admin/query_string.h"
#include "gw/storage/time_text.h"

namespace gw {

namespace {

constexpr std::string_view kKeysPath = "/admin/keys";
constexpr std::string_view kUsagePath = "/admin/usage";

ClientReply json_reply(unsigned status, std::string body) {
  return ClientReply{status, {{"content-type", "application/json"}}, std::move(body)};
}

std::string_view error_type(unsigned status) {
  switch (status) {
    case 404: return "not_found_error";
    case 500: return "api_error";
    default: return "invalid_request_error";
  }
}

// OpenAI's error shape; param names the request field at fault, when there is one.
ClientReply error_reply(unsigned status, std::string_view message, std::string_view param = {}) {
  JsonText j;
  j.begin_object().key("error").begin_object();
  j.key("message").string(message).key("type").string(error_type(status));
  if (!param.empty()) {
    j.key("param").string(param);
  }
  j.end_object().end_object();
  return json_reply(status, j.str());
}

ClientReply error_reply(const Error& e) {
  // Only the admin API's own errors reach here; an upstream code would be a bug, shown as 500.
  const unsigned status = e.http_status();
  return error_reply(status == 400 || status == 404 ? status : 500, e.message, e.param);
}

ClientReply method_not_allowed(std::string_view allow) {
  ClientReply r = error_reply(405, "method not allowed; use " + std::string(allow));
  r.headers.emplace_back("allow", std::string(allow));
  return r;
}

ClientReply create_key(std::string_view body, const config::Config& cfg, KeyStore& keys) {
  auto spec = parse_key_spec(body);
  if (!spec) {
    return error_reply(spec.error());
  }
  if (auto known = check_key_models(*spec, cfg); !known) {
    return error_reply(known.error());
  }
  auto created = keys.create(*spec);
  if (!created) {
    return error_reply(created.error());
  }
  const auto& [info, secret] = *created;
  // The key info, with the secret added: the only time it is ever shown.
  JsonText with_secret;
  write_key_info(with_secret, info);
  std::string body_text = with_secret.str();
  JsonText secret_field;
  secret_field.begin_object().key("key").string(secret).end_object();
  // {"id":..,...} + {"key":..} -> {"id":..,...,"key":..}
  body_text.pop_back();
  body_text += "," + secret_field.str().substr(1);
  return json_reply(201, std::move(body_text));
}

ClientReply list_keys(KeyStore& keys) {
  JsonText j;
  j.begin_object().key("keys").begin_array();
  for (const auto& k : keys.list()) {
    write_key_info(j, k);
  }
  j.end_array().end_object();
  return json_reply(200, j.str());
}

ClientReply revoke_key(const std::string& id, KeyStore& keys) {
  if (id.empty()) {
    return error_reply(400, "the key id is missing: DELETE /admin/keys/{id}");
  }
  if (auto r = keys.revoke(id); !r) {
    return error_reply(r.error());
  }
  JsonText j;
  j.begin_object().key("id").string(id).key("revoked").boolean(true).end_object();
  return json_reply(200, j.str());
}

// An RFC 3339 time from the query. The '+' of an offset sent unencoded (`since=2025-01-31T10:00:00+02:00`,
// as curl and hand-written URLs send it) arrives as a space from form decoding; a space never
// stands before an offset, so it is read as the '+' it was.
std::optional<int64_t> query_time(std::string value) {
  if (value.size() > 6 && value[value.size() - 6] == ' ') {
    value[value.size() - 6] = '+';
  }
  return storage::parse_rfc3339_ms(value);
}

ClientReply usage(const Target& t, Ledger& ledger) {
  UsageQuery q;
  for (const auto& [name, value] : t.query) {
    if (name == "group_by") {
      auto fields = parse_group_by(value);
      if (!fields) {
        return error_reply(fields.error());
      }
      for (auto& f : *fields) {
        if (std::find(q.group_by.begin(), q.group_by.end(), f) == q.group_by.end()) {
          q.group_by.push_back(std::move(f));
        }
      }
    } else if (name == "since" || name == "until") {
      auto ms = query_time(value);
      if (!ms) {
        return error_reply(400, name + ": expected an RFC 3339 time such as 2025-01-31T00:00:00Z");
      }
      (name == "since" ? q.since_ms : q.until_ms) = *ms;
    } else {
      return error_reply(400, "unknown parameter '" + name + "' (use group_by, since, until)");
    }
  }
  auto rows = ledger.usage(q);
  if (!rows) {
    return error_reply(rows.error());
  }
  return json_reply(200, usage_rows_json(*rows, q.group_by));
}

}  // namespace

ClientReply handle_admin(std::string_view method, std::string_view target, std::string_view body,
                         const config::Config& cfg, KeyStore& keys, Ledger& ledger) {
  auto t = parse_target(target);
  if (!t) {
    return error_reply(400, "malformed percent-encoding in the request target");
  }
  std::string path = t->path;
  if (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (path == kKeysPath) {
    if (method == "POST") {
      return create_key(body, cfg, keys);
    }
    if (method == "GET") {
      return list_keys(keys);
    }
    return method_not_allowed("GET, POST");
  }
  if (path.rfind(std::string(kKeysPath) + "/", 0) == 0) {
    if (method == "DELETE") {
      return revoke_key(path.substr(kKeysPath.size() + 1), keys);
    }
    return method_not_allowed("DELETE");
  }
  if (path == kUsagePath) {
    if (method == "GET") {
      return usage(*t, ledger);
    }
    return method_not_allowed("GET");
  }
  return error_reply(404, "no admin route " + std::string(method) + " " + path);
}

}  // namespace gw
