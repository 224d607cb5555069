// The JWT-bearer token exchange and its cache (protocols.md 5.5). Single flight: the first caller
// that finds the token stale performs the exchange; callers arriving meanwhile either keep using
// the old token (still valid for a while) or wait on a timer the exchange cancels when done.
#include "gw/providers/vertex/token_source.h"

#include <algorithm>
#include <optional>

#include <boost/json.hpp>

namespace gw::vertex {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenResponseBytes = 64 * 1024;
constexpr std::string_view kGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr int64_t kDefaultExpiresInS = 3600;  // RFC 6749 makes expires_in optional

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// application/x-www-form-urlencoded value: everything but unreserved characters percent-encoded
// (what URLSearchParams and the vector's token request do for ':').
void form_encode(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (unreserved(c)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[(uint8_t(c) >> 4) & 0xf]);
      out.push_back(kHex[uint8_t(c) & 0xf]);
    }
  }
}

// The token endpoint's error_description, made safe to show: printable ASCII, bounded, and
// with anything that looks like our assertion cut out (a server echoing the grant would
// otherwise leak a bearer-equivalent credential).
std::string safe_description(std::string_view d, std::string_view assertion) {
  std::string out;
  for (char c : d.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  const size_t dot = assertion.rfind('.');
  const std::string_view signature =
      dot == std::string_view::npos ? assertion : assertion.substr(dot + 1);
  if (out.find("eyJ") != std::string::npos ||
      (signature.size() >= 16 && out.find(signature.substr(0, 16)) != std::string::npos)) {
    return "(description withheld: it quoted the assertion)";
  }
  return out;
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

std::string token_request_body(std::string_view assertion) {
  std::string body = "grant_type=";
  form_encode(kGrantType, body);
  body += "&assertion=";
  form_encode(assertion, body);
  return body;
}

struct TokenSource::Flight {
  explicit Flight(const net::any_io_executor& ex)
      : done(ex, net::steady_timer::time_point::max()) {}
  net::steady_timer done;  // cancelled when `result` is set: wakes every waiter
  std::optional<Result<std::string>> result;
};

// Settles the flight even when the refreshing coroutine is destroyed mid-exchange (its caller
// was cancelled, or the worker's io_context is torn down with the request pending), so that
// waiters never hang on a refresh nobody will finish. The source may already be gone in the
// teardown case (a worker destroys its providers before its io_context), hence the weak_ptr.
class TokenSource::FlightGuard {
 public:
  FlightGuard(TokenSource& src, std::shared_ptr<Flight> f)
      : src_(src.alive_), provider_(src.provider_), f_(std::move(f)) {}
  ~FlightGuard() {
    if (f_->result) {
      return;
    }
    Error e = make_error(Code::UpstreamError, "provider " + provider_ +
                                                  ": could not obtain a Google access token: "
                                                  "the refresh was cancelled");
    e.provider = provider_;
    e.retryable = true;
    if (auto alive = src_.lock()) {
      (*alive)->settle(*f_, std::move(e));
    } else {
      f_->result = std::move(e);
      f_->done.cancel();
    }
  }
  FlightGuard(const FlightGuard&) = delete;
  FlightGuard& operator=(const FlightGuard&) = delete;

 private:
  std::weak_ptr<TokenSource*> src_;
  std::string provider_;
  std::shared_ptr<Flight> f_;
};

TokenSource::TokenSource(std::string provider,
                         ServiceAccount sa,
                         HttpClient& http,
                         const Clock& clock,
                         TokenSourceOptions opts,
                         std::shared_ptr<SharedTokenCache> cache)
    : provider_(std::move(provider)),
      sa_(std::move(sa)),
      http_(http),
      clock_(clock),
      opts_(std::move(opts)),
      cache_(cache ? std::move(cache) : std::make_shared<SharedTokenCache>()) {}

TokenSource::~TokenSource() = default;

void TokenSource::invalidate() {
  if (!last_.empty()) {
    cache_->forget(last_);
  }
}

std::string TokenSource::cache_key(const ServiceAccount& sa, const TokenSourceOptions& opts) {
  // '\n' cannot occur in any of the parts (a JSON string could hold one, but then the key is
  // merely more specific, never shared by mistake).
  return sa.client_email + '\n' + sa.private_key_id + '\n' + sa.token_uri + '\n' + opts.scope;
}

bool TokenSource::usable_for(const CachedToken& t, std::chrono::nanoseconds d) const {
  return !t.token.empty() && clock_.steady_now() + d < t.expiry;
}

Result<std::string> TokenSource::assertion(SystemTime now) const {
  const int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  JwtClaims c{.iss = sa_.client_email,
              .scope = opts_.scope,
              .aud = sa_.token_uri,
              .iat = iat,
              .exp = iat + kAssertionLifetimeS};
  return sign_jwt(jwt_header_json(sa_.private_key_id), jwt_claims_json(c), sa_.key);
}

net::awaitable<Result<std::string>> TokenSource::token() {
  CachedToken t = cache_->get();
  if (!t.token.empty() && clock_.steady_now() < t.refresh_at) {
    last_ = t.token;
    co_return std::move(t.token);
  }
  if (flight_) {
    if (usable_for(t, opts_.min_validity)) {
      last_ = t.token;
      co_return std::move(t.token);
    }
    co_return co_await wait_for(flight_);
  }
  auto f = std::make_shared<Flight>(co_await net::this_coro::executor);
  // Another worker's source is refreshing this token already: while the old one lasts, use it
  // rather than make a second exchange, so that N workers still make one exchange per token.
  // (With no usable token there is nothing to wait with here: this worker fetches its own.)
  const SteadyTime now = clock_.steady_now();
  const auto claim_for = opts_.timeouts.connect + opts_.timeouts.first_byte + opts_.timeouts.idle;
  if (!cache_->try_claim_refresh(f.get(), now, now + claim_for) &&
      usable_for(t, opts_.min_validity)) {
    last_ = t.token;
    co_return std::move(t.token);
  }
  flight_ = f;
  FlightGuard guard(*this, f);
  Result<std::string> r = co_await fetch();
  if (!r) {
    // A failed early refresh costs nothing while the old token lasts; the next caller retries.
    if (CachedToken old = cache_->get(); usable_for(old, opts_.min_validity)) {
      r = std::move(old.token);
    }
  }
  if (r) {
    last_ = *r;
  }
  settle(*f, r);
  co_return r;
}

net::awaitable<Result<std::string>> TokenSource::wait_for(std::shared_ptr<Flight> f) {
  if (!f->result) {
    co_await f->done.async_wait(use_nothrow);  // ends by cancel() (settled) or our own cancellation
  }
  if (f->result) {
    co_return *f->result;
  }
  Error e = make_error(Code::UpstreamError, "provider " + provider_ +
                                                ": could not obtain a Google access token: "
                                                "the wait was cancelled");
  e.provider = provider_;
  e.retryable = true;
  co_return e;
}

void TokenSource::settle(Flight& f, Result<std::string> r) {
  cache_->release_refresh(&f);
  f.result = std::move(r);
  f.done.cancel();
  if (flight_.get() == &f) {
    flight_.reset();
  }
}

net::awaitable<Result<std::string>> TokenSource::fetch() {
  const std::string prefix = "provider " + provider_ + ": could not obtain a Google access token: ";
  auto fail = [&](std::string why, bool retryable, Code code = Code::UpstreamError) {
    Error e = make_error(code == Code::UpstreamTimeout ? code : Code::UpstreamError, prefix + why);
    e.provider = provider_;
    e.retryable = retryable;
    return e;
  };
  auto jwt = assertion(clock_.now());
  if (!jwt) {
    co_return fail("signing the assertion failed", false);
  }
  UpstreamRequest req;
  req.method = "POST";
  req.url = sa_.token_uri;
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  req.headers.emplace_back("accept", "application/json");
  req.body = token_request_body(*jwt);

  // The token's lifetime counts from when we asked, not from when the answer arrived.
  const SteadyTime asked = clock_.steady_now();
  auto ex = co_await http_.start(req, opts_.timeouts);
  if (!ex) {
    co_return fail("token endpoint " + sa_.token_uri + " unreachable (" + ex.error().message + ")",
                   true, ex.error().code);
  }
  auto body = co_await (*ex)->read_all(kMaxTokenResponseBytes);
  if (!body) {
    co_return fail("reading the token endpoint's answer failed (" + body.error().message + ")",
                   true, body.error().code);
  }
  const unsigned status = (*ex)->status();
  json::error_code ec;
  json::value v = json::parse(*body, ec);
  const json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  if (status != 200) {
    std::string why = "token endpoint answered HTTP " + std::to_string(status);
    std::string type;
    if (o != nullptr) {
      if (const json::value* err = o->if_contains("error"); err != nullptr && err->is_string()) {
        type = safe_description(err->get_string(), *jwt);
        why += " " + type;
      }
      if (const json::value* d = o->if_contains("error_description");
          d != nullptr && d->is_string()) {
        why += " (" + safe_description(d->get_string(), *jwt) + ")";
      }
    }
    // 400/401/403 reject our credential (invalid_grant, invalid_scope, unauthorized_client):
    // another try with the same key fails the same way. Throttling and outages pass.
    const bool retryable = status == 408 || status == 429 || status >= 500;
    Error e = fail(std::move(why), retryable);
    e.upstream_status = status;
    e.upstream_type = std::move(type);
    co_return e;
  }
  const json::value* tok = o != nullptr ? o->if_contains("access_token") : nullptr;
  if (tok == nullptr || !tok->is_string() || tok->get_string().empty()) {
    co_return fail("token endpoint answered HTTP 200 without an access_token", false);
  }
  const std::optional<int64_t> expires_in = expires_in_of(*o);
  if (!expires_in || *expires_in <= 0) {
    co_return fail("token endpoint answered with an invalid expires_in", false);
  }
  const std::chrono::seconds lifetime(*expires_in);
  CachedToken fresh{
      .token = std::string(tok->get_string()), .expiry = asked + lifetime, .refresh_at = {}};
  fresh.refresh_at =
      fresh.expiry - std::min<std::chrono::seconds>(opts_.refresh_margin, lifetime / 2);
  cache_->put(fresh);
  co_return std::move(fresh.token);
}

}  // namespace gw::vertex
