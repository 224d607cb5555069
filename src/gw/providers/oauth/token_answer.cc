// Reading a token endpoint's answer (token_answer.h).
#include "gw/providers/oauth/token_answer.h"

#include <cstdint>
#include <optional>

#include <boost/json.hpp>

#include "gw/common/secret_scan.h"

namespace gw::oauth {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenResponseBytes = 64 * 1024;
constexpr int64_t kDefaultLifetimeS = 3600;  // RFC 6749 makes expires_in optional
constexpr int64_t kMaxLifetimeS = INT32_MAX;

// Whether `text` quotes a credential (safe_text).
bool quotes_secret(std::string_view text, const std::vector<std::string_view>& secrets) {
  return text.find("eyJ") != std::string_view::npos || quotes_any(text, secrets);
}

const json::string* string_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// A JSON number, or a string holding a decimal integer ("3599", as managed identity sends).
std::optional<int64_t> integer_of(const json::value& v) {
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64()) {
    return v.get_uint64() > uint64_t(kMaxLifetimeS) ? kMaxLifetimeS : int64_t(v.get_uint64());
  }
  if (v.is_double()) {
    return int64_t(v.get_double());
  }
  if (v.is_string()) {
    const json::string& s = v.get_string();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789-") != json::string::npos) {
      return std::nullopt;
    }
    json::error_code ec;
    json::value n = json::parse(s, ec);
    if (!ec && n.is_int64()) {
      return n.get_int64();
    }
  }
  return std::nullopt;
}

// The token's lifetime in seconds: expires_in, else expires_on - now, else the default.
std::optional<int64_t> lifetime_of(const json::object& o, SystemTime now) {
  if (const json::value* in = o.if_contains("expires_in")) {
    return integer_of(*in);
  }
  if (const json::value* on = o.if_contains("expires_on")) {
    auto at = integer_of(*on);
    if (!at) {
      return std::nullopt;
    }
    const int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return *at <= now_s ? 0 : *at - now_s;  // compared first: no overflow for any *at
  }
  return kDefaultLifetimeS;
}

}  // namespace

Error token_error(const TokenErrorContext& ctx, std::string why, bool retryable, Code code) {
  Error e = make_error(code == Code::UpstreamTimeout ? code : Code::UpstreamError, std::move(why));
  e.retryable = retryable;
  return token_error(ctx, std::move(e));
}

Error token_error(const TokenErrorContext& ctx, Error e) {
  e.message = "provider " + ctx.provider + ": could not obtain " + ctx.what + ": " + e.message;
  e.provider = ctx.provider;
  return e;
}

std::string safe_text(std::string_view text, const std::vector<std::string_view>& secrets) {
  if (quotes_secret(text, secrets)) {
    return "description withheld: it quoted a credential";
  }
  std::string out;
  for (char c : text.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  return out;
}

Error rejected_answer(std::string_view endpoint, unsigned status, const json::object* answer,
                      const std::vector<std::string_view>& secrets) {
  std::string why = std::string(endpoint) + " answered HTTP " + std::to_string(status);
  std::string type;
  std::string description;
  if (answer != nullptr) {
    if (const json::string* err = string_at(*answer, "error")) {  // OAuth 2 (RFC 6749 5.2)
      type = safe_text(*err, secrets);
      if (const json::string* d = string_at(*answer, "error_description")) {
        description = safe_text(*d, secrets);
      }
    } else if (const json::value* g = answer->if_contains("error"); g != nullptr && g->is_object()) {
      if (const json::string* st = string_at(g->get_object(), "status")) {  // Google APIs
        type = safe_text(*st, secrets);
      }
      if (const json::string* m = string_at(g->get_object(), "message")) {
        description = safe_text(*m, secrets);
      }
    }
  }
  if (!type.empty()) {
    why += " " + type;
  }
  if (!description.empty()) {
    why += " (" + description + ")";
  }
  // 400/401/403 reject our credential: another try with it fails the same way. Throttling and
  // outages pass.
  Error e = make_error(Code::UpstreamError, std::move(why));
  e.retryable = status == 408 || status == 429 || status >= 500;
  e.upstream_status = status;
  e.upstream_type = std::move(type);
  return e;
}

Result<FetchedToken> token_of(const json::object& answer, std::string_view endpoint, SystemTime now) {
  const json::string* tok = string_at(answer, "access_token");
  if (tok == nullptr || tok->empty()) {
    return make_error(Code::UpstreamError, std::string(endpoint) + " answered HTTP 200 without an access_token");
  }
  const std::optional<int64_t> lifetime = lifetime_of(answer, now);
  if (!lifetime || *lifetime <= 0) {
    return make_error(Code::UpstreamError,
                      std::string(endpoint) + " answered with an invalid expires_in / expires_on");
  }
  return FetchedToken{std::string(*tok), std::chrono::seconds(std::min(*lifetime, kMaxLifetimeS))};
}

Result<FetchedToken> read_token_answer(unsigned status,
                                       std::string_view body,
                                       SystemTime now,
                                       const TokenErrorContext& ctx) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  const std::vector<std::string_view> secrets(ctx.secrets.begin(), ctx.secrets.end());
  if (status != 200) {
    return token_error(ctx, rejected_answer("token endpoint", status, o, secrets));
  }
  auto token = token_of(o != nullptr ? *o : json::object(), "token endpoint", now);
  if (!token) {
    return token_error(ctx, std::move(token.error()));
  }
  return token;
}

net::awaitable<Result<FetchedToken>> exchange(HttpClient& http,
                                              const UpstreamRequest& req,
                                              const Timeouts& timeouts,
                                              std::string_view endpoint,
                                              const Clock& clock,
                                              const TokenErrorContext& ctx) {
  auto ex = co_await http.start(req, timeouts);
  if (!ex) {
    co_return token_error(ctx,
                          "token endpoint " + std::string(endpoint) + " unreachable (" +
                              ex.error().message + ")",
                          true, ex.error().code);
  }
  auto body = co_await (*ex)->read_all(kMaxTokenResponseBytes);
  if (!body) {
    co_return token_error(
        ctx, "reading the token endpoint's answer failed (" + body.error().message + ")", true,
        body.error().code);
  }
  co_return read_token_answer((*ex)->status(), *body, clock.now(), ctx);
}

}  // namespace gw::oauth
