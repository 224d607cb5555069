// Refreshing temporary AWS credentials on a thread of their own (credential_provider.h).
#include "gw/providers/bedrock/credential_provider.h"

#include <algorithm>

#include "gw/common/thread_name.h"

namespace gw::bedrock {

namespace {

std::chrono::nanoseconds lifetime_of(const HeldCredentials& h) {
  return *h.cred.expiration - h.obtained;
}

}  // namespace

SystemTime refresh_time(const HeldCredentials& h, const RefreshPolicy& p) {
  if (!h.cred.expiration) {
    return h.obtained + p.unannounced_lifetime;
  }
  const auto ahead = std::min<std::chrono::nanoseconds>(p.margin, lifetime_of(h) / 2);
  return *h.cred.expiration - std::max<std::chrono::nanoseconds>(ahead, std::chrono::nanoseconds(0));
}

bool usable_at(const HeldCredentials& h, SystemTime now, const RefreshPolicy& p) {
  if (!h.cred.expiration) {
    return true;
  }
  const auto skew = std::max<std::chrono::nanoseconds>(
      std::min<std::chrono::nanoseconds>(p.expiry_skew, lifetime_of(h) / 4), std::chrono::nanoseconds(0));
  return now < *h.cred.expiration - skew;
}

std::chrono::milliseconds retry_delay(int failures, const RefreshPolicy& p) {
  auto d = p.first_retry;
  for (int i = 1; i < failures && d < p.max_retry; ++i) {
    d *= 2;
  }
  return std::min(d, p.max_retry);
}

RefreshingCredentials::RefreshingCredentials(std::string what,
                                             std::string kind,
                                             Fetch fetch,
                                             const Clock& clock,
                                             LogFn log,
                                             RefreshPolicy policy,
                                             HttpClientOptions http)
    : what_(std::move(what)),
      kind_(std::move(kind)),
      fetch_(std::move(fetch)),
      clock_(clock),
      log_(std::move(log)),
      policy_(policy),
      http_(make_http_client(io_.get_executor(), std::move(http))) {}

RefreshingCredentials::~RefreshingCredentials() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_ = true;
  net::post(io_, [this] {
    timer_.cancel();
    http_->shut_down();  // ends a fetch in progress
  });
  thread_.join();
}

Result<void> RefreshingCredentials::start() {
  // Until the first fetch ends: the HTTP client's keep-alive sweep may still hold the context.
  net::co_spawn(io_, attempt(), [this](std::exception_ptr) { io_.stop(); });
  io_.run();
  io_.restart();
  thread_ = std::thread([this] {
    name_this_thread("sy-aws-creds");
    // The loop ends only when stopping; then nothing else on this io_context matters.
    net::co_spawn(io_, refresh_loop(), [this](std::exception_ptr) { io_.stop(); });
    io_.run();
  });
  std::lock_guard lock(mu_);
  if (held_) {
    return {};
  }
  return make_error(Code::UpstreamUnavailable, last_error_);
}

net::awaitable<void> RefreshingCredentials::attempt() {
  const SystemTime asked = clock_.now();
  Result<TemporaryCredentials> r = co_await fetch_(*http_);
  if (r && r->expiration &&
      !usable_at(HeldCredentials{*r, asked}, clock_.now(), policy_)) {
    // Expired on arrival, by this machine's clock: a skewed clock or a broken source. Counted as a
    // failure, so the retries back off instead of fetching again at once, forever.
    r = make_error(Code::UpstreamError, "the credential fetched expires at " +
                                            format_aws_time(*r->expiration) +
                                            ", already past by this machine's clock (clock skew?)");
  }
  std::string event;
  std::string detail;
  {
    std::lock_guard lock(mu_);
    ++attempts_;
    last_attempt_ = clock_.now();
    if (r) {
      auto h = std::make_shared<HeldCredentials>(HeldCredentials{std::move(*r), asked});
      const SystemTime next = refresh_time(*h, policy_);
      held_ = std::move(h);
      failures_ = 0;
      last_error_.clear();
      event = "aws_credentials_refreshed";
      detail = what_ + ": " +
               (held_->cred.expiration ? "valid until " + format_aws_time(*held_->cred.expiration)
                                       : std::string("no expiration announced")) +
               ", next refresh at " + format_aws_time(next);
    } else {
      ++failures_;
      last_error_ = r.error().message;
      const bool valid = held_ && usable_at(*held_, clock_.now(), policy_);
      event = "aws_credentials_refresh_failed";
      detail = what_ + ": " + last_error_ + "; retry in " +
               std::to_string(retry_delay(failures_, policy_).count()) + " ms" +
               (!valid ? std::string(" (no valid credential: Bedrock requests fail meanwhile)")
                : held_->cred.expiration
                    ? " (the current credential is still valid until " +
                          format_aws_time(*held_->cred.expiration) + ")"
                    : std::string(" (the current credential announced no expiration)"));
    }
  }
  if (log_ && !stopping_) {  // a fetch cut short by the shutdown is no failure worth a line
    log_(event, detail);
  }
}

net::awaitable<void> RefreshingCredentials::refresh_loop() {
  // Waits in steps of at most a minute so that a jump of the wall clock (Expiration is wall
  // time) is noticed within one; the time of the next refresh is read again after each step, so
  // a forced refresh (which cancels the timer) moves it.
  constexpr auto kMaxWait = std::chrono::seconds(60);
  auto next_refresh = [this] {
    std::lock_guard lock(mu_);
    if (failures_ > 0 || !held_) {
      return last_attempt_ + retry_delay(std::max(failures_, 1), policy_);
    }
    return refresh_time(*held_, policy_);
  };
  while (!stopping_) {
    for (SystemTime now = clock_.now(), next = next_refresh(); now < next && !stopping_;
         now = clock_.now(), next = next_refresh()) {
      const auto wait = std::min<std::chrono::nanoseconds>(next - now, kMaxWait);
      timer_.expires_after(std::chrono::duration_cast<net::steady_timer::duration>(wait));
      co_await timer_.async_wait(use_nothrow);
    }
    if (stopping_) {
      break;
    }
    co_await attempt();
  }
}

bool RefreshingCredentials::replaced(const Credentials& rejected) const {
  std::lock_guard lock(mu_);
  return held_ && (held_->cred.creds.access_key_id != rejected.access_key_id ||
                   held_->cred.creds.session_token != rejected.session_token);
}

net::awaitable<bool> RefreshingCredentials::forced_refresh(Credentials rejected) {
  if (replaced(rejected)) {
    co_return true;  // refreshed since that request was signed: the retry signs with the new one
  }
  if (forcing_) {  // another request's rejection is being answered: wait for that fetch
    auto done = forcing_;
    co_await done->async_wait(use_nothrow);
    co_return replaced(rejected);
  }
  const SystemTime now = clock_.now();
  if (stopping_ || (last_forced_ && now - *last_forced_ < policy_.min_forced_interval)) {
    co_return false;
  }
  last_forced_ = now;
  if (log_) {
    log_("aws_credentials_rejected", what_ + ": AWS refused the current credential as expired or invalid; refreshing now");
  }
  forcing_ = std::make_shared<net::steady_timer>(io_, net::steady_timer::time_point::max());
  co_await attempt();
  forcing_->cancel();
  forcing_.reset();
  timer_.cancel();  // the refresh loop reads its next time again
  co_return replaced(rejected);
}

net::awaitable<bool> RefreshingCredentials::refresh_after_rejection(Credentials rejected) {
  if (!thread_.joinable()) {
    co_return false;  // not started
  }
  // Runs on this source's thread (its state lives there); the caller resumes on its own.
  auto op = net::co_spawn(io_, forced_refresh(std::move(rejected)), net::use_awaitable);
  co_return co_await std::move(op);
}

Result<std::shared_ptr<const Credentials>> RefreshingCredentials::current() const {
  std::shared_ptr<const HeldCredentials> h;
  {
    std::lock_guard lock(mu_);
    h = held_;
  }
  if (h && usable_at(*h, clock_.now(), policy_)) {
    return std::shared_ptr<const Credentials>(h, &h->cred.creds);
  }
  // For the client: what and since when; the endpoint, file and status are in the log.
  std::string msg = "no valid AWS credentials (" + kind_ + "): ";
  msg += h && h->cred.expiration
             ? "the last one expired at " + format_aws_time(*h->cred.expiration) +
                   " and refreshing it has failed since"
             : std::string("fetching them has failed so far");
  msg += " (the gateway log says why: aws_credentials_refresh_failed)";
  Error e = make_error(Code::UpstreamUnavailable, std::move(msg));
  e.retryable = true;
  return e;
}

int RefreshingCredentials::attempts_for_test() const {
  std::lock_guard lock(mu_);
  return attempts_;
}

}  // namespace gw::bedrock
