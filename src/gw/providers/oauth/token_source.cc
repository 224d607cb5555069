// The cached, single-flight token (token_source.h). The first caller that finds the token stale
// performs the exchange; callers arriving meanwhile either keep using the old token (still valid
// for a while) or wait on a timer the exchange cancels when done. Across workers the same holds
// through the SharedTokenCache's refresh claim: a worker whose first caller finds another worker
// exchanging, with no token to carry on with, waits for that worker's token.
#include "gw/providers/oauth/token_source.h"

#include <algorithm>
#include <optional>

namespace gw::oauth {

namespace {
// How often a worker waiting for another worker's exchange looks at the shared cache.
constexpr auto kRefreshPoll = std::chrono::milliseconds(5);
}  // namespace

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
      : src_(src.alive_), ctx_(src.ctx_), f_(std::move(f)) {}
  ~FlightGuard() {
    if (f_->result) {
      return;
    }
    Error e = token_error(ctx_, "the refresh was cancelled", true);
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
  TokenErrorContext ctx_;
  std::shared_ptr<Flight> f_;
};

TokenSource::TokenSource(TokenErrorContext ctx,
                         Fetch fetch,
                         const Clock& clock,
                         TokenSourceOptions opts,
                         std::shared_ptr<SharedTokenCache> cache)
    : ctx_(std::move(ctx)),
      fetch_(std::move(fetch)),
      clock_(clock),
      opts_(std::move(opts)),
      cache_(cache ? std::move(cache) : std::make_shared<SharedTokenCache>()) {}

TokenSource::~TokenSource() = default;

void TokenSource::invalidate() {
  if (!last_.empty()) {
    cache_->forget(last_);
  }
}

bool TokenSource::usable_for(const CachedToken& t, std::chrono::nanoseconds d) const {
  return !t.token.empty() && clock_.steady_now() + d < t.expiry;
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
  const SteadyTime now = clock_.steady_now();
  const auto claim_for = opts_.timeouts.connect + opts_.timeouts.first_byte + opts_.timeouts.idle;
  const bool mine = cache_->try_claim_refresh(f.get(), now, now + claim_for);
  if (!mine && usable_for(t, opts_.min_validity)) {
    last_ = t.token;
    co_return std::move(t.token);
  }
  flight_ = f;  // from here on this worker's other callers wait on f
  FlightGuard guard(*this, f);
  if (!mine) {
    // ... and there is no token to carry on with (none yet, or one about to expire): wait for
    // the one it is fetching. Only if that exchange fails does this worker make its own.
    co_await await_refresh_elsewhere(*f);
    if (CachedToken got = cache_->get(); usable_for(got, opts_.min_validity)) {
      last_ = got.token;
      settle(*f, got.token);
      co_return std::move(got.token);
    }
    const SteadyTime later = clock_.steady_now();
    (void)cache_->try_claim_refresh(f.get(), later, later + claim_for);
  }
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
  co_return token_error(ctx_, "the wait was cancelled", true);
}

// Until the other worker's claim ends (its exchange settled, or outlasted the claim). That worker
// runs on another thread's io_context: rather than be woken from there (a post into this worker's
// io_context, which may be shutting down by then), this looks at the shared cache every
// kRefreshPoll. Only a worker's first caller polls, only while another worker exchanges: at
// start-up and when a short-lived token runs out.
net::awaitable<void> TokenSource::await_refresh_elsewhere(const Flight& f) {
  net::steady_timer poll(co_await net::this_coro::executor);
  while (cache_->refresh_claimed_by_other(&f, clock_.steady_now())) {
    poll.expires_after(kRefreshPoll);
    auto [ec] = co_await poll.async_wait(use_nothrow);
    if (ec) {
      co_return;  // cancelled: the caller's own fetch decides
    }
  }
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
  // The token's lifetime counts from when we asked, not from when the answer arrived.
  const SteadyTime asked = clock_.steady_now();
  auto op = fetch_();
  Result<FetchedToken> got = co_await std::move(op);
  if (!got) {
    co_return got.error();
  }
  const std::chrono::seconds lifetime = got->lifetime;
  CachedToken fresh{.token = std::move(got->token), .expiry = asked + lifetime, .refresh_at = {}};
  fresh.refresh_at =
      fresh.expiry - std::min<std::chrono::seconds>(opts_.refresh_margin, lifetime / 2);
  cache_->put(fresh);
  co_return std::move(fresh.token);
}

}  // namespace gw::oauth
