// Refresh decisions (injected clock), the refreshing provider, the chain's fetches against a
// scripted HTTP client, and the signer with chain credentials.
#include "gw/providers/bedrock/credential_provider.h"

#include <deque>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "gw/providers/bedrock/bedrock_signer.h"
#include "gw/providers/bedrock/credential_fetch.h"
#include "gw/providers/bedrock/credential_set.h"

namespace gw::bedrock {
namespace {

using namespace std::chrono_literals;

HeldCredentials held(SystemTime obtained, std::optional<std::chrono::seconds> lifetime) {
  HeldCredentials h;
  h.cred.creds = Credentials{"ASIA", "secret", "token"};
  h.obtained = obtained;
  if (lifetime) {
    h.cred.expiration = obtained + *lifetime;
  }
  return h;
}

TEST(CredentialRefresh, RefreshesFiveMinutesAheadOrAtHalfTheLifetime) {
  ManualClock clock;
  const RefreshPolicy p;
  const SystemTime t0 = clock.now();
  // An hour-long STS credential: refreshed 5 minutes before it expires.
  EXPECT_EQ(refresh_time(held(t0, 3600s), p), t0 + 55min);
  // A 6-minute one: at half its life, so it is still reused.
  EXPECT_EQ(refresh_time(held(t0, 360s), p), t0 + 3min);
  // No expiration announced: fetched again after unannounced_lifetime.
  EXPECT_EQ(refresh_time(held(t0, std::nullopt), p), t0 + 1h);
  // Already expired when it arrived: refresh at once.
  EXPECT_LE(refresh_time(held(t0, -10s), p), t0);
}

TEST(CredentialRefresh, UsableUntilShortlyBeforeExpiration) {
  ManualClock clock;
  const RefreshPolicy p;
  const SystemTime t0 = clock.now();
  const HeldCredentials h = held(t0, 3600s);
  EXPECT_TRUE(usable_at(h, t0, p));
  clock.advance(55min);  // the refresh is due, the credential still signs
  EXPECT_TRUE(usable_at(h, clock.now(), p));
  clock.advance(4min + 49s);
  EXPECT_TRUE(usable_at(h, clock.now(), p));
  clock.advance(1s);  // 10 s before Expiration
  EXPECT_FALSE(usable_at(h, clock.now(), p));
  // A short-lived credential keeps three quarters of its life.
  const HeldCredentials s = held(t0, 8s);
  EXPECT_TRUE(usable_at(s, t0 + 5999ms, p));
  EXPECT_FALSE(usable_at(s, t0 + 6s, p));
  // The refresh comes before it stops signing.
  EXPECT_LT(refresh_time(s, p), t0 + 6s);
  EXPECT_TRUE(usable_at(held(t0, std::nullopt), t0 + 24h * 365, p));
}

TEST(CredentialRefresh, RetryBackOffDoublesToItsCap) {
  const RefreshPolicy p;
  EXPECT_EQ(retry_delay(1, p), 1s);
  EXPECT_EQ(retry_delay(2, p), 2s);
  EXPECT_EQ(retry_delay(3, p), 4s);
  EXPECT_EQ(retry_delay(7, p), 60s);
  EXPECT_EQ(retry_delay(1000, p), 60s);
}

// A fetch scripted by the test, run on the provider's own thread.
struct Script {
  std::mutex mu;
  std::deque<Result<TemporaryCredentials>> answers;  // the last one repeats
  int calls = 0;
  RefreshingCredentials::Fetch fetch() {
    return [this](HttpClient&) -> net::awaitable<Result<TemporaryCredentials>> {
      std::lock_guard lock(mu);
      ++calls;
      Result<TemporaryCredentials> r = answers.front();
      if (answers.size() > 1) {
        answers.pop_front();
      }
      co_return r;
    };
  }
};

TemporaryCredentials temp(std::string akid, SystemTime exp) {
  return TemporaryCredentials{Credentials{std::move(akid), "secret-" + std::to_string(exp.time_since_epoch().count()), "tok"}, exp};
}

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) {
      return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(RefreshingCredentials, RefreshesAheadOfExpiryOnItsOwnThread) {
  const Clock& clock = real_clock();
  Script s;
  s.answers.push_back(temp("ASIAFIRST", clock.now() + 600ms));
  s.answers.push_back(temp("ASIASECOND", clock.now() + 3600s));
  std::vector<std::string> events;
  std::mutex log_mu;
  RefreshingCredentials r("test source", "test", s.fetch(), clock,
                          [&](const std::string& e, const std::string& d) {
                            std::lock_guard lock(log_mu);
                            events.push_back(e + " " + d);
                          });
  ASSERT_TRUE(r.start().has_value());
  auto c = r.current();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->access_key_id, "ASIAFIRST");
  // Refreshed at half its 600 ms life, without anyone asking.
  ASSERT_TRUE(eventually([&] {
    auto now = r.current();
    return now && (*now)->access_key_id == "ASIASECOND";
  }));
  EXPECT_EQ(r.attempts_for_test(), 2);
  std::lock_guard lock(log_mu);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].rfind("aws_credentials_refreshed test source: valid until", 0), 0u) << events[0];
  for (const auto& e : events) {
    EXPECT_EQ(e.find("secret-"), std::string::npos) << e;
  }
}

TEST(RefreshingCredentials, FailedRefreshKeepsTheValidOneRetriesAndThenFails503) {
  const Clock& clock = real_clock();
  Script s;
  const SystemTime t0 = clock.now();
  s.answers.push_back(temp("ASIAFIRST", t0 + 2000ms));
  s.answers.push_back(Error(make_error(Code::UpstreamError, "STS http://x answered HTTP 500")));
  RefreshPolicy p;
  p.first_retry = 20ms;
  p.max_retry = 40ms;
  std::atomic<int> failures_logged{0};
  std::mutex log_mu;
  std::string last_failure;
  RefreshingCredentials r("test source at http://x", "test", s.fetch(), clock,
                          [&](const std::string& e, const std::string& d) {
                            if (e == "aws_credentials_refresh_failed") {
                              std::lock_guard lock(log_mu);
                              last_failure = d;
                              ++failures_logged;
                            }
                          },
                          p);
  ASSERT_TRUE(r.start().has_value());
  // The refresh at 1 s fails and is retried with back-off while the first one still signs.
  ASSERT_TRUE(eventually([&] { return failures_logged >= 3; }));
  auto still = r.current();
  if (clock.now() < t0 + 1400ms) {  // (unless this machine stalled past its usable life)
    ASSERT_TRUE(still.has_value());
    EXPECT_EQ((*still)->access_key_id, "ASIAFIRST");
  }
  // Past its end (less the skew), requests fail with 503 that says why, without a secret.
  ASSERT_TRUE(eventually([&] { return !r.current().has_value(); }));
  auto gone = r.current();
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().http_status(), 503u);
  EXPECT_TRUE(gone.error().retryable);
  EXPECT_NE(gone.error().message.find("no valid AWS credentials (test): the last one expired at"),
            std::string::npos)
      << gone.error().message;
  EXPECT_EQ(gone.error().message.find("secret-"), std::string::npos);
  // The details (endpoints, statuses) go to the log, not to clients.
  EXPECT_EQ(gone.error().message.find("http://x"), std::string::npos);
  {
    std::lock_guard lock(log_mu);
    EXPECT_NE(last_failure.find("test source at http://x: STS http://x answered HTTP 500"),
              std::string::npos)
        << last_failure;
    EXPECT_EQ(last_failure.find("secret-"), std::string::npos);
  }
  // And it recovers once the source answers again.
  {
    std::lock_guard lock(s.mu);
    s.answers.clear();
    s.answers.push_back(temp("ASIATHIRD", clock.now() + 3600s));
  }
  ASSERT_TRUE(eventually([&] { return r.current().has_value(); }));
  EXPECT_EQ((*r.current())->access_key_id, "ASIATHIRD");
}

TEST(RefreshingCredentials, AFirstFetchThatFailsIsReportedAndRetried) {
  Script s;
  s.answers.push_back(Error(make_error(Code::UpstreamError, "endpoint unreachable")));
  s.answers.push_back(temp("ASIALATE", real_clock().now() + 3600s));
  RefreshPolicy p;
  p.first_retry = 10ms;
  RefreshingCredentials r("test source", "test", s.fetch(), real_clock(), nullptr, p);
  auto first = r.start();
  ASSERT_FALSE(first.has_value());
  EXPECT_NE(first.error().message.find("unreachable"), std::string::npos);
  auto none = r.current();
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().http_status(), 503u);
  ASSERT_TRUE(eventually([&] { return r.current().has_value(); }));
}

TEST(RefreshingCredentials, ACredentialExpiredOnArrivalIsAFailureThatBacksOff) {
  Script s;
  s.answers.push_back(temp("ASIASTALE", real_clock().now() - 1s));  // a clock far ahead
  RefreshPolicy p;
  p.first_retry = 40ms;
  std::string failure;
  std::mutex mu;
  RefreshingCredentials r("test source", "test", s.fetch(), real_clock(),
                          [&](const std::string&, const std::string& d) {
                            std::lock_guard lock(mu);
                            failure = d;
                          },
                          p);
  ASSERT_FALSE(r.start().has_value());
  std::this_thread::sleep_for(300ms);
  // 40 + 80 + 160 ms of back-off: a handful of tries, not a tight loop.
  EXPECT_LE(r.attempts_for_test(), 5);
  EXPECT_FALSE(r.current().has_value());
  std::lock_guard lock(mu);
  EXPECT_NE(failure.find("clock skew"), std::string::npos) << failure;
}

// --- fetches against a scripted HTTP client ---

struct Reply {
  unsigned status = 200;
  std::string body;
};

class ScriptedExchange final : public UpstreamExchange {
 public:
  ScriptedExchange(unsigned status, std::string body) : status_(status), body_(std::move(body)) {}
  unsigned status() const override { return status_; }
  const Headers& headers() const override { return headers_; }
  net::awaitable<Result<bool>> read_some(std::string& out) override {
    out += body_;
    co_return false;
  }
  net::awaitable<Result<std::string>> read_all(size_t) override { co_return body_; }

 private:
  unsigned status_;
  Headers headers_;
  std::string body_;
};

class ScriptedHttp final : public HttpClient {
 public:
  std::vector<UpstreamRequest> requests;
  std::deque<Reply> replies;
  net::awaitable<Result<std::unique_ptr<UpstreamExchange>>> start(const UpstreamRequest& req,
                                                                  const Timeouts&) override {
    requests.push_back(req);
    Reply r = replies.empty() ? Reply{599, ""} : replies.front();
    if (!replies.empty()) {
      replies.pop_front();
    }
    co_return std::unique_ptr<UpstreamExchange>(std::make_unique<ScriptedExchange>(r.status, r.body));
  }
  void shut_down() override {}
};

Result<TemporaryCredentials> fetch_now(const CredentialSourceSpec& s, HttpClient& http) {
  net::io_context io;
  std::optional<Result<TemporaryCredentials>> out;
  net::co_spawn(
      io, [&]() -> net::awaitable<void> { out.emplace(co_await fetch_credentials(s, http, {}, real_clock().now())); },
      net::detached);
  io.run();
  return std::move(*out);
}

std::string header(const UpstreamRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return "(absent)";
}

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

TEST(CredentialFetch, WebIdentityPostsTheCurrentTokenFileToSts) {
  CredentialSourceSpec s;
  s.kind = SourceKind::WebIdentity;
  s.sts_url = "http://127.0.0.1:1/";
  s.role_arn = "arn:aws:iam::1:role/bedrock";
  s.session_name = "switchyard-7";
  s.token_file = temp_file("web_identity_token", "eyJ.first+/=\n");
  ScriptedHttp http;
  const std::string ok =
      "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
      "<AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
      "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
      "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
  http.replies = {{200, ok}, {200, ok}};
  auto c = fetch_now(s, http);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.access_key_id, "ASIASTS");
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "POST");
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:1/");
  EXPECT_EQ(http.requests[0].body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fbedrock"
            "&RoleSessionName=switchyard-7&WebIdentityToken=eyJ.first%2B%2F%3D");
  EXPECT_EQ(header(http.requests[0], "authorization"), "(absent)");  // unsigned
  // kubelet rotated the token: the next refresh sends the new one.
  temp_file("web_identity_token", "eyJ.second");
  ASSERT_TRUE(fetch_now(s, http).has_value());
  EXPECT_NE(http.requests[1].body.find("WebIdentityToken=eyJ.second"), std::string::npos);
}

TEST(CredentialFetch, StsRejectionNamesTheCodeNeverTheToken) {
  CredentialSourceSpec s;
  s.kind = SourceKind::WebIdentity;
  s.sts_url = "http://127.0.0.1:1/";
  s.role_arn = "arn:aws:iam::1:role/bedrock";
  s.session_name = "x";
  s.token_file = temp_file("web_identity_token_bad", "eyJ.SECRETTOKEN");
  ScriptedHttp http;
  http.replies = {{400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad eyJ.SECRETTOKEN</Message></Error></ErrorResponse>"}};
  auto c = fetch_now(s, http);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("HTTP 400 InvalidIdentityToken"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("SECRETTOKEN"), std::string::npos);
  s.token_file = "/nonexistent/token";
  auto missing = fetch_now(s, http);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/token"), std::string::npos);
}

TEST(CredentialFetch, ContainerSendsTheAuthorizationTokenFromItsFile) {
  CredentialSourceSpec s;
  s.kind = SourceKind::Container;
  s.container_url = "http://127.0.0.1:1/creds";
  s.auth_token_file = temp_file("container_auth", "pod-identity-token\n");
  ScriptedHttp http;
  http.replies = {{200, R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t","Expiration":"2030-01-01T00:00:00Z"})"},
                  {403, R"({"message":"bad token"})"}};
  auto c = fetch_now(s, http);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.session_token, "t");
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(header(http.requests[0], "authorization"), "pod-identity-token");
  auto refused = fetch_now(s, http);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("HTTP 403"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("pod-identity-token"), std::string::npos);
}

TEST(CredentialFetch, InstanceMetadataUsesAnImdsV2Session) {
  CredentialSourceSpec s;
  s.kind = SourceKind::InstanceMetadata;
  s.imds_endpoint = "http://127.0.0.1:1";
  ScriptedHttp http;
  http.replies = {{200, "imds-session"},
                  {200, "gateway-role\n"},
                  {200, R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAEC2","SecretAccessKey":"s","Token":"t","Expiration":"2030-01-01T00:00:00Z"})"}};
  auto c = fetch_now(s, http);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.access_key_id, "ASIAEC2");
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[0].method, "PUT");
  EXPECT_EQ(http.requests[0].url, "http://127.0.0.1:1/latest/api/token");
  EXPECT_EQ(header(http.requests[0], "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(http.requests[1].url, "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(header(http.requests[1], "x-aws-ec2-metadata-token"), "imds-session");
  EXPECT_EQ(http.requests[2].url,
            "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/gateway-role");
  EXPECT_EQ(header(http.requests[2], "x-aws-ec2-metadata-token"), "imds-session");

  ScriptedHttp none;
  none.replies = {{200, "tok"}, {404, ""}};
  auto no_role = fetch_now(s, none);
  ASSERT_FALSE(no_role.has_value());
  EXPECT_NE(no_role.error().message.find("no IAM role"), std::string::npos);
  ScriptedHttp odd;
  odd.replies = {{200, "tok"}, {200, "../../etc/passwd"}};
  EXPECT_FALSE(fetch_now(s, odd).has_value());
}

// --- the signer with the chain's credentials ---

class FixedProvider final : public CredentialProvider {
 public:
  Result<std::shared_ptr<const Credentials>> current() const override {
    if (!creds) {
      Error e = make_error(Code::UpstreamUnavailable, "no valid AWS credentials from test");
      e.retryable = true;
      return e;
    }
    return std::make_shared<const Credentials>(*creds);
  }
  std::optional<Credentials> creds;
};

Result<void> sign_now(RequestSigner& signer, UpstreamRequest& req) {
  net::io_context io;
  std::optional<Result<void>> out;
  net::co_spawn(io, [&]() -> net::awaitable<void> { out = co_await signer.sign(req); }, net::detached);
  io.run();
  return *out;
}

TEST(BedrockSignerChain, SignsWithTheChainsCurrentCredentialAndItsSessionToken) {
  config::Provider p;
  p.name = "aws-irsa";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  auto chain = std::make_shared<FixedProvider>();
  ManualClock clock;
  auto signer = make_bedrock_signer(p, clock, chain);

  UpstreamRequest req;
  req.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke";
  auto none = sign_now(*signer, req);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().http_status(), 503u);
  EXPECT_EQ(none.error().provider, "aws-irsa");
  EXPECT_EQ(none.error().message.rfind("provider aws-irsa: no valid AWS credentials", 0), 0u);

  chain->creds = Credentials{"ASIAONE", "secret1", "token1"};
  ASSERT_TRUE(sign_now(*signer, req).has_value());
  EXPECT_NE(header(req, "authorization").find("Credential=ASIAONE/"), std::string::npos);
  EXPECT_EQ(header(req, "x-amz-security-token"), "token1");

  chain->creds = Credentials{"ASIATWO", "secret2", "token2"};  // refreshed meanwhile
  ASSERT_TRUE(sign_now(*signer, req).has_value());
  EXPECT_NE(header(req, "authorization").find("Credential=ASIATWO/"), std::string::npos);
  EXPECT_EQ(header(req, "x-amz-security-token"), "token2");

  // Static keys still win over the chain.
  p.access_key_id = "AKIASTATIC";
  p.secret_access_key = "s";
  auto fixed = make_bedrock_signer(p, clock, chain);
  ASSERT_TRUE(sign_now(*fixed, req).has_value());
  EXPECT_NE(header(req, "authorization").find("Credential=AKIASTATIC/"), std::string::npos);
  EXPECT_EQ(header(req, "x-amz-security-token"), "(absent)");
}

// A fetch that takes `delay` (on the source's thread, without blocking it), answering in turn.
struct SlowScript {
  std::mutex mu;
  std::deque<TemporaryCredentials> answers;
  int calls = 0;
  std::chrono::milliseconds delay{100};
  RefreshingCredentials::Fetch fetch() {
    return [this](HttpClient&) -> net::awaitable<Result<TemporaryCredentials>> {
      net::steady_timer t(co_await net::this_coro::executor, delay);
      co_await t.async_wait(use_nothrow);
      std::lock_guard lock(mu);
      ++calls;
      TemporaryCredentials r = answers.front();
      if (answers.size() > 1) {
        answers.pop_front();
      }
      co_return r;
    };
  }
};

// Runs `n` refresh_after_rejection(rejected) at once from another thread's io_context.
std::vector<bool> reject_concurrently(CredentialProvider& p, const Credentials& rejected, int n) {
  net::io_context io;
  std::vector<bool> out(size_t(n), false);
  for (int i = 0; i < n; ++i) {
    net::co_spawn(io, [&, i]() -> net::awaitable<void> { out[size_t(i)] = co_await p.refresh_after_rejection(rejected); },
                  net::detached);
  }
  io.run();
  return out;
}

TEST(RefreshingCredentials, ARejectionForcesOneRefreshSharedByConcurrentRequestsAndRateLimited) {
  ManualClock clock;
  SlowScript s;
  s.answers = {temp("ASIAFIRST", clock.now() + 1h), temp("ASIASECOND", clock.now() + 1h),
               temp("ASIATHIRD", clock.now() + 1h)};
  std::vector<std::string> events;
  std::mutex log_mu;
  RefreshingCredentials r("test source", "test", s.fetch(), clock, [&](const std::string& e, const std::string& d) {
    std::lock_guard lock(log_mu);
    events.push_back(e + " " + d);
  });
  // Not started: nothing to refresh with.
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIAFIRST", "", "tok"}, 1), std::vector<bool>{false});
  ASSERT_TRUE(r.start().has_value());
  ASSERT_EQ((*r.current())->access_key_id, "ASIAFIRST");

  // Five requests refused with the first credential at once: one fetch, all retry with the new.
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIAFIRST", "", "tok"}, 5), std::vector<bool>(5, true));
  EXPECT_EQ(s.calls, 2);
  EXPECT_EQ((*r.current())->access_key_id, "ASIASECOND");
  // A late refusal of the replaced credential fetches nothing: the retry uses the new one.
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIAFIRST", "", "tok"}, 1), std::vector<bool>{true});
  EXPECT_EQ(s.calls, 2);
  // The new one refused too, 5 s later: no second forced fetch within 10 s.
  clock.advance(5s);
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIASECOND", "", "tok"}, 1), std::vector<bool>{false});
  EXPECT_EQ(s.calls, 2);
  clock.advance(5s);
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIASECOND", "", "tok"}, 2), std::vector<bool>(2, true));
  EXPECT_EQ(s.calls, 3);
  EXPECT_EQ((*r.current())->access_key_id, "ASIATHIRD");
  std::lock_guard lock(log_mu);
  int rejected = 0;
  for (const auto& e : events) {
    rejected += e.rfind("aws_credentials_rejected test source:", 0) == 0 ? 1 : 0;
    EXPECT_EQ(e.find("secret-"), std::string::npos) << e;
  }
  EXPECT_EQ(rejected, 2);
}

TEST(RefreshingCredentials, AForcedRefreshThatBringsTheSameCredentialIsNoReasonToRetry) {
  ManualClock clock;
  SlowScript s;
  s.delay = 1ms;
  s.answers = {temp("ASIASAME", clock.now() + 1h)};  // a source that caches (IMDS does)
  RefreshingCredentials r("test source", "test", s.fetch(), clock, nullptr);
  ASSERT_TRUE(r.start().has_value());
  EXPECT_EQ(reject_concurrently(r, Credentials{"ASIASAME", "", "tok"}, 1), std::vector<bool>{false});
  EXPECT_EQ(s.calls, 2);
  // Static credentials never change.
  StaticCredentialProvider fixed(Credentials{"AKID", "s", ""});
  EXPECT_EQ(reject_concurrently(fixed, Credentials{"AKID", "", ""}, 1), std::vector<bool>{false});
}

class RejectableProvider final : public CredentialProvider {
 public:
  Result<std::shared_ptr<const Credentials>> current() const override {
    return std::make_shared<const Credentials>(creds);
  }
  net::awaitable<bool> refresh_after_rejection(Credentials rejected) override {
    rejections.push_back(rejected);
    co_return answer;
  }
  Credentials creds{"ASIAOLD", "secret", "token-old"};
  std::vector<Credentials> rejections;
  bool answer = true;
};

bool invalidate_now(RequestSigner& signer, const UpstreamRequest& sent, const UpstreamResponse& answer) {
  net::io_context io;
  bool out = false;
  net::co_spawn(io, [&]() -> net::awaitable<void> { out = co_await signer.invalidate(sent, answer); }, net::detached);
  io.run();
  return out;
}

TEST(BedrockSignerChain, ExpiredOrInvalidTokensRefreshChainCredentialsNeverStaticOnes) {
  config::Provider p;
  p.name = "aws-irsa";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  auto chain = std::make_shared<RejectableProvider>();
  const Clock& clock = real_clock();
  auto signer = make_bedrock_signer(p, clock, chain);
  UpstreamRequest req;
  req.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke";
  ASSERT_TRUE(sign_now(*signer, req).has_value());

  const UpstreamResponse expired{403u, {{"x-amzn-ErrorType", "ExpiredTokenException"}},
                                 R"({"message":"The security token included in the request is expired"})"};
  EXPECT_TRUE(invalidate_now(*signer, req, expired));
  ASSERT_EQ(chain->rejections.size(), 1u);
  EXPECT_EQ(chain->rejections[0].access_key_id, "ASIAOLD");  // the credential the request carried
  EXPECT_EQ(chain->rejections[0].session_token, "token-old");
  // 400 with the type in the body, as some endpoints send it.
  EXPECT_TRUE(invalidate_now(*signer, req, UpstreamResponse{400u, {}, R"({"__type":"com.amazon.coral.service#ExpiredTokenException","message":"x"})"}));
  const UpstreamResponse revoked{403u, {{"x-amzn-ErrorType", "UnrecognizedClientException:http://internal.amazon.com/"}},
                                 R"({"message":"The security token included in the request is invalid."})"};
  EXPECT_TRUE(invalidate_now(*signer, req, revoked));
  EXPECT_EQ(chain->rejections.size(), 3u);
  // An unknown access key or a denied model: no refresh mends that.
  EXPECT_FALSE(invalidate_now(*signer, req, UpstreamResponse{403u, {{"x-amzn-ErrorType", "UnrecognizedClientException"}},
                                                             R"({"message":"The access key ID is invalid"})"}));
  EXPECT_FALSE(invalidate_now(*signer, req, UpstreamResponse{403u, {{"x-amzn-ErrorType", "AccessDeniedException"}}, "{}"}));
  EXPECT_FALSE(invalidate_now(*signer, req, UpstreamResponse{429u, {{"x-amzn-ErrorType", "ExpiredTokenException"}}, "{}"}));
  EXPECT_EQ(chain->rejections.size(), 3u);
  // The source found nothing newer: no retry.
  chain->answer = false;
  EXPECT_FALSE(invalidate_now(*signer, req, expired));

  // Static keys: the client gets the 502, the chain is not asked.
  p.access_key_id = "ASIASTATIC";
  p.secret_access_key = "s";
  p.session_token = "t";
  auto fixed = make_bedrock_signer(p, clock, chain);
  ASSERT_TRUE(sign_now(*fixed, req).has_value());
  chain->answer = true;
  EXPECT_FALSE(invalidate_now(*fixed, req, expired));
  EXPECT_EQ(chain->rejections.size(), 4u);
}

TEST(CredentialSet, NoSourceAtAllStopsTheStartNamingTheProvider) {
  config::Config cfg;
  config::Provider p;
  p.name = "aws-nokeys";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  cfg.providers[p.name] = p;
  config::Provider fixed = p;
  fixed.name = "aws-static";
  fixed.access_key_id = "AKIA";
  fixed.secret_access_key = "s";
  cfg.providers[fixed.name] = fixed;
  auto disabled = [](const std::string& k) -> std::optional<std::string> {
    return k == "AWS_EC2_METADATA_DISABLED" ? std::optional<std::string>("true") : std::nullopt;
  };
  try {
    CredentialSet::start(cfg, disabled, real_clock(), nullptr);
    FAIL() << "expected start-up to fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("provider aws-nokeys"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no AWS credentials"), std::string::npos) << e.what();
  }
  // From the environment: shared by both keyless providers, none for static keys.
  config::Provider second = p;
  second.name = "aws-nokeys-2";
  cfg.providers[second.name] = second;
  auto env = [](const std::string& k) -> std::optional<std::string> {
    if (k == "AWS_ACCESS_KEY_ID") {
      return "AKIAENV";
    }
    if (k == "AWS_SECRET_ACCESS_KEY") {
      return "envsecret";
    }
    return std::nullopt;
  };
  auto set = CredentialSet::start(cfg, env, real_clock(), nullptr);
  ASSERT_NE(set->for_provider("aws-nokeys"), nullptr);
  EXPECT_EQ(set->for_provider("aws-nokeys"), set->for_provider("aws-nokeys-2"));
  EXPECT_EQ(set->for_provider("aws-static"), nullptr);
  EXPECT_EQ((*set->for_provider("aws-nokeys")->current())->access_key_id, "AKIAENV");
}

}  // namespace
}  // namespace gw::bedrock
