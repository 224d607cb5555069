// Reading a token endpoint's answer (token_answer.h).
#include "gw/providers/oauth/token_answer.h"

#include <cstdint>
#include <optional>

#include <boost/json.hpp>

namespace gw::oauth {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenResponseBytes = 64 * 1024;
constexpr int64_t kDefaultLifetimeS = 3600;  // RFC 6749 makes expires_in optional
constexpr int64_t kMaxLifetimeS = INT32_MAX;

// The endpoint's error or error_description, made safe to show: printable ASCII, bounded, and
// withheld when it quotes something we sent (a server echoing the grant would otherwise leak a
// bearer-equivalent credential). "eyJ" opens every JWT: an assertion or a federated token.
std::string safe_description(std::string_view d, const std::vector<std::string>& secrets) {
  std::string out;
  for (char c : d.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  bool quoted = out.find("eyJ") != std::string::npos;
  for (const std::string& s : secrets) {
    // A probe long enough not to match by chance; secrets shorter than 6 bytes are not probed.
    const std::string_view probe = std::string_view(s).substr(0, 16);
    quoted = quoted || (probe.size() >= 6 && out.find(probe) != std::string::npos);
  }
  return quoted ? "(description withheld: it quoted the credential)" : out;
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

Result<FetchedToken> read_token_answer(unsigned status,
                                       std::string_view body,
                                       SystemTime now,
                                       const TokenErrorContext& ctx) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  if (status != 200) {
    std::string why = "token endpoint answered HTTP " + std::to_string(status);
    std::string type;
    if (o != nullptr) {
      if (const json::value* err = o->if_contains("error"); err != nullptr && err->is_string()) {
        type = safe_description(err->get_string(), ctx.secrets);
        why += " " + type;
      }
      if (const json::value* d = o->if_contains("error_description");
          d != nullptr && d->is_string()) {
        why += " (" + safe_description(d->get_string(), ctx.secrets) + ")";
      }
    }
    // 400/401/403 reject our credential (invalid_grant, invalid_client, an identity not
    // assigned): another try with it fails the same way. Throttling and outages pass.
    const bool retryable = status == 408 || status == 429 || status >= 500;
    Error e = token_error(ctx, std::move(why), retryable);
    e.upstream_status = status;
    e.upstream_type = std::move(type);
    return e;
  }
  const json::value* tok = o != nullptr ? o->if_contains("access_token") : nullptr;
  if (tok == nullptr || !tok->is_string() || tok->get_string().empty()) {
    return token_error(ctx, "token endpoint answered HTTP 200 without an access_token", false);
  }
  const std::optional<int64_t> lifetime = lifetime_of(*o, now);
  if (!lifetime || *lifetime <= 0) {
    return token_error(ctx, "token endpoint answered with an invalid expires_in / expires_on",
                       false);
  }
  return FetchedToken{std::string(tok->get_string()),
                      std::chrono::seconds(std::min(*lifetime, kMaxLifetimeS))};
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
