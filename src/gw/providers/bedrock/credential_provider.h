#pragma once
// Where a Bedrock signer gets its credentials when the provider has no static keys: one
// CredentialProvider per distinct source, shared by every worker's signer. Temporary credentials
// are refreshed ahead of their Expiration by one thread per source (once per process, not per
// worker), so requests never wait for a refresh while a valid credential exists.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/providers/bedrock/aws_credentials.h"
#include "gw/upstream/http_client.h"

namespace gw::bedrock {

// Thread-safe.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // A credential valid now, or UpstreamUnavailable (503, retryable) saying why there is none;
  // the message names the source, never a secret.
  virtual Result<std::shared_ptr<const Credentials>> current() const = 0;
  // AWS refused `rejected` (access key id and session token as the request carried them) as
  // expired or invalid before its announced end (revoked, or a clock that disagrees with AWS's).
  // Fetches a new one at once where the source can; returns whether current() now holds another
  // credential, so that a retry could succeed. Sources that never change answer false.
  virtual net::awaitable<bool> refresh_after_rejection(Credentials rejected) {
    (void)rejected;
    co_return false;
  }
};

// Credentials that never change (the environment's AWS_ACCESS_KEY_ID...).
class StaticCredentialProvider final : public CredentialProvider {
 public:
  explicit StaticCredentialProvider(Credentials c)
      : creds_(std::make_shared<const Credentials>(std::move(c))) {}
  Result<std::shared_ptr<const Credentials>> current() const override { return creds_; }

 private:
  std::shared_ptr<const Credentials> creds_;
};

struct RefreshPolicy {
  // Refresh this long before Expiration, at most half the lifetime (so short-lived credentials
  // are still reused).
  std::chrono::seconds margin{300};
  // Stop signing with a credential this long before its Expiration (a request must reach AWS
  // while it is valid), at most a quarter of its lifetime.
  std::chrono::seconds expiry_skew{10};
  // How often credentials that announce no Expiration are fetched again.
  std::chrono::seconds unannounced_lifetime{3600};
  // Back-off after failed refreshes: first_retry, doubling up to max_retry.
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{60000};
  // Refreshes forced by AWS refusing the credential (refresh_after_rejection) start at most this
  // often: a source that keeps handing out a credential AWS refuses is not hammered.
  std::chrono::seconds min_forced_interval{10};
};

struct HeldCredentials {
  TemporaryCredentials cred;
  SystemTime obtained;  // when it was asked for
};

// When `h` should be replaced.
SystemTime refresh_time(const HeldCredentials& h, const RefreshPolicy& p);
// Whether `h` may still sign a request at `now`.
bool usable_at(const HeldCredentials& h, SystemTime now, const RefreshPolicy& p);
// The wait before the next try after `failures` (>= 1) failed refreshes in a row.
std::chrono::milliseconds retry_delay(int failures, const RefreshPolicy& p);

using LogFn = std::function<void(const std::string& event, const std::string& detail)>;

// A source that hands out temporary credentials (web identity, container, instance metadata).
class RefreshingCredentials final : public CredentialProvider {
 public:
  // Fetches once with an HttpClient of the provider's own io_context. Runs on that io_context's
  // thread, one at a time.
  using Fetch = std::function<net::awaitable<Result<TemporaryCredentials>>(HttpClient&)>;

  // `what` names the source in logs (endpoints and files included); `kind` names it in the
  // errors clients see ("web identity"), which leave the details to the log. `clock` outlives
  // this.
  RefreshingCredentials(std::string what,
                        std::string kind,
                        Fetch fetch,
                        const Clock& clock,
                        LogFn log,
                        RefreshPolicy policy = {},
                        HttpClientOptions http = {});
  ~RefreshingCredentials() override;
  RefreshingCredentials(const RefreshingCredentials&) = delete;
  RefreshingCredentials& operator=(const RefreshingCredentials&) = delete;

  // The first fetch, on the calling thread (start-up waits for it); then the refresh thread
  // starts, whatever the outcome, and keeps trying with back-off if it failed.
  Result<void> start();

  Result<std::shared_ptr<const Credentials>> current() const override;

  // Concurrent calls (any thread) share one fetch, run on this source's thread; a rejection of a
  // credential already replaced fetches nothing and answers true; a forced fetch less than
  // min_forced_interval after the previous one is not made (false).
  net::awaitable<bool> refresh_after_rejection(Credentials rejected) override;

  // How many fetches were attempted (tests).
  int attempts_for_test() const;

 private:
  net::awaitable<void> refresh_loop();
  net::awaitable<void> attempt();
  net::awaitable<bool> forced_refresh(Credentials rejected);
  bool replaced(const Credentials& rejected) const;

  std::string what_;
  std::string kind_;
  Fetch fetch_;
  const Clock& clock_;
  LogFn log_;
  RefreshPolicy policy_;

  net::io_context io_{1};
  std::unique_ptr<HttpClient> http_;
  net::steady_timer timer_{io_};
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;
  std::shared_ptr<const HeldCredentials> held_;
  std::string last_error_;  // why the last fetch failed; empty after a success
  int failures_ = 0;        // failed fetches in a row
  int attempts_ = 0;
  SystemTime last_attempt_;  // when the last fetch ended (the back-off counts from there)

  // Only on this source's thread: the forced fetch in progress (its waiters wait on the timer,
  // cancelled when it ends) and when the last one started.
  std::shared_ptr<net::steady_timer> forcing_;
  std::optional<SystemTime> last_forced_;
};

}  // namespace gw::bedrock
