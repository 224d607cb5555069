// Token endpoint calls shared by every grant (token_exchange.h).
#include "gw/providers/vertex/token_exchange.h"

#include <cstdint>
#include <optional>

#include "gw/common/percent.h"

namespace gw::vertex {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenResponseBytes = 64 * 1024;
constexpr int64_t kDefaultExpiresInS = 3600;  // RFC 6749 makes expires_in optional

// Whether `text` quotes a credential: a JWT ("eyJ" is '{"' in base64url), or 16 consecutive
// characters of a secret (shorter secrets: the whole of it).
bool quotes_secret(std::string_view text, const std::vector<std::string_view>& secrets) {
  if (text.find("eyJ") != std::string_view::npos) {
    return true;
  }
  constexpr size_t kWindow = 16;
  for (std::string_view s : secrets) {
    if (s.size() < kWindow) {
      if (s.size() >= 6 && text.find(s) != std::string_view::npos) {
        return true;
      }
      continue;
    }
    for (size_t p = 0; p + kWindow <= text.size(); ++p) {
      if (s.find(text.substr(p, kWindow)) != std::string_view::npos) {
        return true;
      }
    }
  }
  return false;
}

// The server's words made safe to show: printable ASCII, bounded, withheld when they quote what
// we sent (a server echoing the grant would otherwise leak a bearer-equivalent credential).
std::string safe_text(std::string_view d, const TokenCall& call) {
  std::string out;
  for (char c : d.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  if (quotes_secret(d, call.secrets)) {
    return "description withheld: it quoted a credential";
  }
  return out;
}

const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

std::optional<int64_t> expires_in_of(const json::object& o) {
  const json::value* v = o.if_contains("expires_in");
  if (v == nullptr) {
    return kDefaultExpiresInS;
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return v->get_uint64() > uint64_t(INT32_MAX) ? INT32_MAX : int64_t(v->get_uint64());
  }
  if (v->is_double()) {
    return int64_t(v->get_double());
  }
  if (v->is_string()) {  // some token servers send it quoted
    json::error_code ec;
    json::value n = json::parse(v->get_string(), ec);
    if (!ec && n.is_int64()) {
      return n.get_int64();
    }
  }
  return std::nullopt;
}

}  // namespace

std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) {
      body.push_back('&');
    }
    percent_encode(k, &is_unreserved, body);
    body.push_back('=');
    percent_encode(v, &is_unreserved, body);
  }
  return body;
}

Error grant_error(std::string why, bool retryable, Code code) {
  Error e = make_error(code == Code::UpstreamTimeout ? code : Code::UpstreamError, std::move(why));
  e.retryable = retryable;
  return e;
}

UpstreamRequest token_request(std::string method, std::string url, std::string content_type,
                              std::string body) {
  UpstreamRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  if (!content_type.empty()) {
    req.headers.emplace_back("content-type", std::move(content_type));
  }
  req.headers.emplace_back("accept", "application/json");
  req.body = std::move(body);
  return req;
}

net::awaitable<Result<json::object>> call_token_endpoint(const GrantContext& ctx,
                                                         const UpstreamRequest& req,
                                                         const TokenCall& call) {
  const std::string name(call.endpoint);
  auto ex = co_await ctx.http.start(req, ctx.timeouts);
  if (!ex) {
    co_return grant_error(name + " " + req.url + " unreachable (" + ex.error().message + ")", true,
                          ex.error().code);
  }
  auto body = co_await (*ex)->read_all(kMaxTokenResponseBytes);
  if (!body) {
    co_return grant_error("reading the " + name + "'s answer failed (" + body.error().message + ")",
                          true, body.error().code);
  }
  const unsigned status = (*ex)->status();
  json::error_code ec;
  json::value v = json::parse(*body, ec);
  json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  if (status == 200) {
    co_return o != nullptr ? std::move(*o) : json::object();
  }
  std::string why = name + " answered HTTP " + std::to_string(status);
  std::string type;
  std::string description;
  if (o != nullptr) {
    if (const json::string* err = string_at(*o, "error")) {  // OAuth 2 (RFC 6749 5.2)
      type = safe_text(*err, call);
      if (const json::string* d = string_at(*o, "error_description")) {
        description = safe_text(*d, call);
      }
    } else if (const json::value* g = o->if_contains("error"); g != nullptr && g->is_object()) {
      if (const json::string* st = string_at(g->get_object(), "status")) {  // Google APIs
        type = safe_text(*st, call);
      }
      if (const json::string* m = string_at(g->get_object(), "message")) {
        description = safe_text(*m, call);
      }
    }
  }
  if (!type.empty()) {
    why += " " + type;
  }
  if (!description.empty()) {
    why += " (" + description + ")";
  }
  // 400/401/403 reject our credential (invalid_grant, invalid_scope, unauthorized_client):
  // another try with the same credential fails the same way. Throttling and outages pass.
  const bool retryable = status == 408 || status == 429 || status >= 500;
  Error e = grant_error(std::move(why), retryable);
  e.upstream_status = status;
  e.upstream_type = std::move(type);
  co_return e;
}

Result<GrantedToken> oauth_token_of(const json::object& o, std::string_view endpoint) {
  const json::string* tok = string_at(o, "access_token");
  if (tok == nullptr || tok->empty()) {
    return grant_error(std::string(endpoint) + " answered HTTP 200 without an access_token", false);
  }
  const std::optional<int64_t> expires_in = expires_in_of(o);
  if (!expires_in || *expires_in <= 0) {
    return grant_error(std::string(endpoint) + " answered with an invalid expires_in", false);
  }
  return GrantedToken{.token = std::string(*tok), .lifetime = std::chrono::seconds(*expires_in)};
}

}  // namespace gw::vertex
