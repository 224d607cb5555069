// TokenSource against a scripted fake HttpClient: the exchange on the wire, caching, refresh
// before expiry, single flight, and errors that carry no secret.
#include "gw/providers/vertex/token_source.h"

#include "gw/providers/vertex/grant_jwt_bearer.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"

namespace gw::vertex {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::FakeHttpClient;
using testing::FakeReply;
using testing::token_json;

constexpr std::string_view kTokenUri = "http://127.0.0.1:9/token";

ServiceAccount test_account() {
  json::object o =
      testing::read_json(testing::vector_path("gcp_service_account_TEST_ONLY.json")).as_object();
  o["token_uri"] = kTokenUri;
  auto sa = parse_service_account(json::serialize(o), "test");
  EXPECT_TRUE(sa.has_value());
  return std::move(*sa);
}

std::shared_ptr<const TokenGrant> test_grant() {
  return std::make_shared<JwtBearerGrant>(test_account(), "test");
}

class TokenSourceTest : public ::testing::Test {
 protected:
  TokenSourceTest() : src_("gcp", "", test_grant(), http_, clock_) {}

  Result<std::string> get() {
    return testing::run<Result<std::string>>([this]() { return src_.token(); });
  }

  // The assertion that went out in request `i`.
  std::string sent_assertion(size_t i) {
    const std::string& body = http_.requests.at(i).body;
    const std::string marker = "&assertion=";
    return body.substr(body.find(marker) + marker.size());
  }

  void expect_no_secret(const Error& e) {
    EXPECT_EQ(e.message.find("PRIVATE KEY"), std::string::npos) << e.message;
    for (size_t i = 0; i < http_.requests.size(); ++i) {
      const std::string a = sent_assertion(i);
      for (size_t p = 0; p + 16 <= a.size(); p += 16) {
        ASSERT_EQ(e.message.find(a.substr(p, 16)), std::string::npos) << e.message;
      }
    }
  }

  FakeHttpClient http_;
  ManualClock clock_;
  TokenSource src_;
};

TEST_F(TokenSourceTest, ExchangesASignedAssertionAtTheTokenUri) {
  http_.replies = {FakeReply{200u, token_json("ya29.first", 3599)}};
  auto t = get();
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(*t, "ya29.first");
  ASSERT_EQ(http_.requests.size(), 1u);
  const UpstreamRequest& req = http_.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, kTokenUri);
  EXPECT_EQ(find_header(req.headers, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(req.body.rfind("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                           "&assertion=",
                           0),
            0u);

  // The assertion: RS256 by the account's key, claims for this token_uri and this clock.
  const std::string jwt = sent_assertion(0);
  const size_t dot2 = jwt.rfind('.');
  const size_t dot1 = jwt.find('.');
  ASSERT_NE(dot1, dot2);
  const ServiceAccount sa = test_account();
  auto sig = base64url_decode(jwt.substr(dot2 + 1));
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(sa.key.verify_sha256(jwt.substr(0, dot2), *sig));
  const json::object header = json::parse(*base64url_decode(jwt.substr(0, dot1))).as_object();
  EXPECT_EQ(header.at("alg").as_string(), "RS256");
  EXPECT_EQ(header.at("kid").as_string(), sa.private_key_id);
  const json::object claims =
      json::parse(*base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1))).as_object();
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  EXPECT_EQ(claims.at("iss").as_string(), sa.client_email);
  EXPECT_EQ(claims.at("aud").as_string(), kTokenUri);
  EXPECT_EQ(claims.at("scope").as_string(), "https://www.googleapis.com/auth/cloud-platform");
  EXPECT_EQ(claims.at("iat").as_int64(), now_s);
  EXPECT_EQ(claims.at("exp").as_int64(), now_s + 3600);
}

TEST_F(TokenSourceTest, CachesTheTokenUntilFiveMinutesBeforeExpiry) {
  http_.replies = {FakeReply{200u, token_json("ya29.first", 3600)},
                   FakeReply{200u, token_json("ya29.second", 3600)}};
  EXPECT_EQ(*get(), "ya29.first");
  EXPECT_EQ(*get(), "ya29.first");
  EXPECT_EQ(http_.requests.size(), 1u);  // the second call did not fetch

  clock_.advance(55min - 1s);
  EXPECT_EQ(*get(), "ya29.first");
  EXPECT_EQ(http_.requests.size(), 1u);

  clock_.advance(2s);  // under five minutes left: refreshed before it expires
  EXPECT_EQ(*get(), "ya29.second");
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(*get(), "ya29.second");
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(TokenSourceTest, ShortLivedTokensAreStillReused) {
  // A 2-minute token: a 5-minute margin would refresh on every call; half its life is used.
  http_.replies = {FakeReply{200u, token_json("ya29.short", 120)},
                   FakeReply{200u, token_json("ya29.next", 120)}};
  EXPECT_EQ(*get(), "ya29.short");
  clock_.advance(59s);
  EXPECT_EQ(*get(), "ya29.short");
  clock_.advance(2s);
  EXPECT_EQ(*get(), "ya29.next");
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(TokenSourceTest, InvalidateForcesAFreshExchange) {
  http_.replies = {FakeReply{200u, token_json("ya29.first", 3600)},
                   FakeReply{200u, token_json("ya29.second", 3600)}};
  EXPECT_EQ(*get(), "ya29.first");
  src_.invalidate();
  EXPECT_EQ(*get(), "ya29.second");
  EXPECT_EQ(http_.requests.size(), 2u);
}

// Runs `n` concurrent token() calls on one io_context.
std::vector<Result<std::string>> concurrent(TokenSource& src,
                                            int n,
                                            std::function<void()> between = {}) {
  net::io_context io;
  std::vector<Result<std::string>> out;
  for (int i = 0; i < n; ++i) {
    net::co_spawn(
        io, [&]() -> net::awaitable<void> { out.push_back(co_await src.token()); },
        [](std::exception_ptr e) {
          if (e) {
            std::rethrow_exception(e);
          }
        });
  }
  io.run();
  return out;
}

TEST_F(TokenSourceTest, ConcurrentCallersShareOneExchange) {
  http_.replies = {FakeReply{200u, token_json("ya29.shared", 3600), 30}};
  auto results = concurrent(src_, 8);
  ASSERT_EQ(results.size(), 8u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(*r, "ya29.shared");
  }
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(TokenSourceTest, ConcurrentCallersShareOneFailure) {
  http_.replies = {
      FakeReply{400u, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})",
                30},
      FakeReply{200u, token_json("ya29.later", 3600)}};
  auto results = concurrent(src_, 5);
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("invalid_grant"), std::string::npos);
  }
  EXPECT_EQ(http_.requests.size(), 1u);
  // Failures are not cached: the next caller tries again.
  EXPECT_EQ(*get(), "ya29.later");
  EXPECT_EQ(http_.requests.size(), 2u);
}

TEST_F(TokenSourceTest, DuringAnEarlyRefreshOthersKeepTheOldToken) {
  http_.replies = {FakeReply{200u, token_json("ya29.old", 3600)},
                   FakeReply{200u, token_json("ya29.new", 3600), 30}};
  EXPECT_EQ(*get(), "ya29.old");
  clock_.advance(56min);  // four minutes left: refresh due, the old token still good
  auto results = concurrent(src_, 4);
  ASSERT_EQ(results.size(), 4u);
  // The three that arrived during the exchange did not wait for it.
  EXPECT_EQ(*results[0], "ya29.old");
  EXPECT_EQ(*results[1], "ya29.old");
  EXPECT_EQ(*results[2], "ya29.old");
  EXPECT_EQ(*results[3], "ya29.new");  // the refresher
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(*get(), "ya29.new");
}

TEST_F(TokenSourceTest, AFailedEarlyRefreshFallsBackToTheStillValidToken) {
  http_.replies = {FakeReply{200u, token_json("ya29.old", 3600)},
                   FakeReply{503u, R"({"error":"backend_error"})"},
                   FakeReply{200u, token_json("ya29.new", 3600)}};
  EXPECT_EQ(*get(), "ya29.old");
  clock_.advance(56min);
  EXPECT_EQ(*get(), "ya29.old");  // refresh failed, old token has minutes left
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(*get(), "ya29.new");  // and the next caller tried again
}

TEST_F(TokenSourceTest, InvalidGrantIsNotRetryableAndCarriesNoSecret) {
  http_.replies = {
      FakeReply{400u, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"}};
  auto r = get();
  ASSERT_FALSE(r.has_value());
  const Error& e = r.error();
  EXPECT_EQ(e.code, Code::UpstreamError);
  EXPECT_EQ(e.http_status(), 502u);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.provider, "gcp");
  EXPECT_EQ(e.upstream_status, 400u);
  EXPECT_EQ(e.upstream_type, "invalid_grant");
  EXPECT_EQ(
      e.message,
      "provider gcp: could not obtain a Google access token: token endpoint answered HTTP 400 "
      "invalid_grant (Invalid JWT Signature.)");
  expect_no_secret(e);
}

TEST_F(TokenSourceTest, AnEchoedAssertionIsWithheld) {
  // A token server that quotes the grant back: the message must not carry it on.
  http_.replies = {FakeReply{401u, ""}};
  (void)get();
  const std::string a = sent_assertion(0);
  http_.requests.clear();
  http_.replies = {FakeReply{
      401u, R"({"error":"unauthorized_client","error_description":"bad assertion )" + a + R"("})"}};
  auto r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().message.find("description withheld"), std::string::npos);
  expect_no_secret(r.error());
}

TEST_F(TokenSourceTest, ServerErrorsAndConnectionFailuresAreRetryable) {
  http_.replies = {FakeReply{503u, "<html>Service Unavailable</html>"}};
  auto r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().http_status(), 502u);
  EXPECT_NE(r.error().message.find("HTTP 503"), std::string::npos);

  Error refused = make_error(Code::UpstreamError, "connect: Connection refused");
  refused.retryable = true;
  http_.replies = {FakeReply{refused, ""}};
  r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(r.error().message.rfind("provider gcp: could not obtain a Google access token: ", 0),
            0u);
  EXPECT_NE(r.error().message.find("Connection refused"), std::string::npos);
  expect_no_secret(r.error());

  http_.replies = {FakeReply{make_error(Code::UpstreamTimeout, "connect timed out"), ""}};
  r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::UpstreamTimeout);
  EXPECT_TRUE(r.error().retryable);
}

TEST_F(TokenSourceTest, MalformedSuccessIsAnError) {
  http_.replies = {FakeReply{200u, "not json"}};
  auto r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("without an access_token"), std::string::npos);
  http_.replies = {FakeReply{200u, R"({"access_token":"ya29.x","expires_in":-5})"}};
  r = get();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("invalid expires_in"), std::string::npos);
  EXPECT_EQ(r.error().message.find("ya29.x"), std::string::npos);  // the token is not echoed
  http_.replies = {FakeReply{200u, R"({"access_token":"ya29.quoted","expires_in":"3599"})"}};
  EXPECT_EQ(*get(), "ya29.quoted");
}

}  // namespace
}  // namespace gw::vertex

namespace gw::vertex {
namespace {

// A worker destroys its providers before its io_context: a refresh still suspended then is
// destroyed after its TokenSource and must not touch it (ASan would flag the use after free).
TEST(TokenSourceTeardown, ARefreshOutlivingItsSourceIsHarmless) {
  FakeHttpClient http;
  http.replies = {FakeReply{200u, token_json("ya29.late", 3600), 5000}};
  ManualClock clock;
  auto io = std::make_unique<net::io_context>();
  auto src = std::make_unique<TokenSource>("gcp", "", test_grant(), http, clock);
  int finished = 0;
  for (int i = 0; i < 2; ++i) {  // the refresher and one waiter
    net::co_spawn(
        *io,
        [&]() -> net::awaitable<void> {
          (void)co_await src->token();
          ++finished;
        },
        net::detached);
  }
  io->run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(http.requests.size(), 1u);
  src.reset();
  io.reset();
  EXPECT_EQ(finished, 0);
}

}  // namespace
}  // namespace gw::vertex

namespace gw::vertex {
namespace {

TEST(SharedTokenCache, KeepsTheLongerLivedTokenAndForgetsOnlyItsOwn) {
  SharedTokenCache c;
  const SteadyTime t0{};
  c.put({.token = "a", .expiry = t0 + 3600s, .refresh_at = t0 + 3300s});
  c.put({.token = "b", .expiry = t0 + 60s, .refresh_at = t0 + 30s});  // an older answer, late
  EXPECT_EQ(c.get().token, "a");
  c.forget("b");
  EXPECT_EQ(c.get().token, "a");
  c.forget("a");
  EXPECT_EQ(c.get().token, "");
}

// Two workers: separate io_contexts and HTTP clients, one cache for the same service account.
TEST(SharedTokenCache, WorkersShareOneTokenPerServiceAccount) {
  ManualClock clock;
  FakeHttpClient http1;
  FakeHttpClient http2;
  http1.replies = {FakeReply{200u, token_json("ya29.w1", 3600)}};
  http2.replies = {FakeReply{200u, token_json("ya29.w2", 3600)}};
  EXPECT_EQ(TokenSource::cache_key(*test_grant(), {}), TokenSource::cache_key(*test_grant(), {}));
  auto cache = std::make_shared<SharedTokenCache>();
  TokenSource w1("gcp", "", test_grant(), http1, clock, {}, cache);
  TokenSource w2("gcp", "", test_grant(), http2, clock, {}, cache);
  auto get = [](TokenSource& s) {
    return testing::run<Result<std::string>>([&]() { return s.token(); });
  };
  EXPECT_EQ(*get(w1), "ya29.w1");
  EXPECT_EQ(*get(w2), "ya29.w1");
  EXPECT_TRUE(http2.requests.empty());

  // Worker 2 got a 401 with it: both move to the next token, fetched once.
  w2.invalidate();
  EXPECT_EQ(*get(w2), "ya29.w2");
  EXPECT_EQ(*get(w1), "ya29.w2");
  EXPECT_EQ(http1.requests.size(), 1u);
  // Worker 1's late invalidate of the token it used before does not drop the new one.
  http1.replies = {FakeReply{200u, token_json("ya29.w1b", 3600)}};
  TokenSource w3("gcp", "", test_grant(), http1, clock, {}, cache);
  EXPECT_EQ(*get(w3), "ya29.w2");
  w2.invalidate();  // forgets ya29.w2
  EXPECT_EQ(*get(w3), "ya29.w1b");
  EXPECT_EQ(http1.requests.size(), 2u);
  w1.invalidate();  // w1 last handed out ya29.w2, no longer cached: no effect
  EXPECT_EQ(*get(w1), "ya29.w1b");
  EXPECT_EQ(http1.requests.size(), 2u);
}

// The early refresh is one exchange for the process, not one per worker: a worker whose token is
// due while another worker's exchange is in flight keeps the old token (protocols.md 5.5,
// "single-flight the refresh so concurrent requests share one exchange").
TEST(SharedTokenCache, OneWorkerRefreshesWhileTheOthersKeepTheOldToken) {
  ManualClock clock;
  FakeHttpClient http1;
  FakeHttpClient http2;
  http1.replies = {FakeReply{200u, token_json("ya29.old", 3600)},
                   FakeReply{200u, token_json("ya29.new", 3600), 30}};
  http2.replies = {FakeReply{200u, token_json("ya29.w2", 3600)}};
  auto cache = std::make_shared<SharedTokenCache>();
  TokenSource w1("gcp", "", test_grant(), http1, clock, {}, cache);
  TokenSource w2("gcp", "", test_grant(), http2, clock, {}, cache);
  EXPECT_EQ(*testing::run<Result<std::string>>([&]() { return w1.token(); }), "ya29.old");
  clock.advance(56min);  // refresh due on every worker, the old token good for four minutes

  // Both workers' callers arrive while worker 1's exchange is in flight (one io_context stands
  // in for the two here; the sources share nothing but the cache).
  net::io_context io;
  std::optional<Result<std::string>> r1;
  std::optional<Result<std::string>> r2;
  net::co_spawn(io, [&]() -> net::awaitable<void> { r1.emplace(co_await w1.token()); }, net::detached);
  net::co_spawn(io, [&]() -> net::awaitable<void> { r2.emplace(co_await w2.token()); }, net::detached);
  io.run();
  ASSERT_TRUE(r1 && r1->has_value() && r2 && r2->has_value());
  EXPECT_EQ(**r1, "ya29.new");
  EXPECT_EQ(**r2, "ya29.old");
  EXPECT_EQ(http1.requests.size(), 2u);
  EXPECT_TRUE(http2.requests.empty()) << "worker 2 made an exchange of its own";
  // Once the refresh is done, worker 2 takes the new token from the cache.
  EXPECT_EQ(*testing::run<Result<std::string>>([&]() { return w2.token(); }), "ya29.new");
  EXPECT_TRUE(http2.requests.empty());

  // A failed refresh releases its claim: the next due caller, on any worker, tries again.
  clock.advance(56min);
  http1.replies = {FakeReply{503u, R"({"error":"backend_error"})"}};
  http2.replies = {FakeReply{200u, token_json("ya29.w2b", 3600)}};
  EXPECT_EQ(*testing::run<Result<std::string>>([&]() { return w1.token(); }), "ya29.new");
  EXPECT_EQ(*testing::run<Result<std::string>>([&]() { return w2.token(); }), "ya29.w2b");
  EXPECT_EQ(http2.requests.size(), 1u);
}

// Audit (vertex_azure.md F2): with no token to carry on with (start-up, or a short-lived token
// about to run out), every worker made its own exchange at once. Now a worker that finds another
// exchanging waits for that token: one exchange per credential, whatever the number of workers.
TEST(SharedTokenCache, WorkersWithoutATokenWaitForTheOneExchangeInFlight) {
  ManualClock clock;
  FakeHttpClient http1;
  FakeHttpClient http2;
  http1.replies = {FakeReply{200u, token_json("ya29.first", 60), 30},
                   FakeReply{200u, token_json("ya29.second", 60), 30}};
  http2.replies = {FakeReply{200u, token_json("ya29.w2", 60), 30}};
  auto cache = std::make_shared<SharedTokenCache>();
  TokenSource w1("gcp", "", test_grant(), http1, clock, {}, cache);
  TokenSource w2("gcp", "", test_grant(), http2, clock, {}, cache);
  // Several callers on each worker, at start-up and again once the token has 20 s left (less
  // than the 30 s a caller needs to keep using it during a refresh).
  for (const char* want : {"ya29.first", "ya29.second"}) {
    net::io_context io;
    std::vector<Result<std::string>> got;
    for (TokenSource* w : {&w1, &w2, &w1, &w2, &w2}) {
      net::co_spawn(io, [&got, w]() -> net::awaitable<void> { got.push_back(co_await w->token()); },
                    net::detached);
    }
    io.run();
    ASSERT_EQ(got.size(), 5u);
    for (const auto& r : got) {
      ASSERT_TRUE(r.has_value()) << r.error().message;
      EXPECT_EQ(*r, want);
    }
    EXPECT_TRUE(http2.requests.empty()) << "worker 2 made an exchange of its own";
    clock.advance(40s);
  }
  EXPECT_EQ(http1.requests.size(), 2u);
}

// When the exchange a worker waited for fails, that worker tries one of its own.
TEST(SharedTokenCache, AWorkerWhoseAwaitedExchangeFailedMakesItsOwn) {
  ManualClock clock;
  FakeHttpClient http1;
  FakeHttpClient http2;
  http1.replies = {FakeReply{503u, R"({"error":"backend_error"})", 30}};
  http2.replies = {FakeReply{200u, token_json("ya29.w2", 3600)}};
  auto cache = std::make_shared<SharedTokenCache>();
  TokenSource w1("gcp", "", test_grant(), http1, clock, {}, cache);
  TokenSource w2("gcp", "", test_grant(), http2, clock, {}, cache);
  net::io_context io;
  std::optional<Result<std::string>> r1;
  std::optional<Result<std::string>> r2;
  net::co_spawn(io, [&]() -> net::awaitable<void> { r1.emplace(co_await w1.token()); }, net::detached);
  net::co_spawn(io, [&]() -> net::awaitable<void> { r2.emplace(co_await w2.token()); }, net::detached);
  io.run();
  ASSERT_TRUE(r1 && r2);
  EXPECT_FALSE(r1->has_value());
  ASSERT_TRUE(r2->has_value()) << r2->error().message;
  EXPECT_EQ(**r2, "ya29.w2");
  EXPECT_EQ(http1.requests.size(), 1u);
  EXPECT_EQ(http2.requests.size(), 1u);
}

// The same with real worker threads, each with its own io_context and callers arriving together.
TEST(SharedTokenCache, WorkerThreadsStartingTogetherMakeOneExchange) {
  constexpr int kWorkers = 4;
  ManualClock clock;
  auto cache = std::make_shared<SharedTokenCache>();
  std::vector<std::unique_ptr<FakeHttpClient>> https;
  std::vector<std::unique_ptr<TokenSource>> sources;
  for (int i = 0; i < kWorkers; ++i) {
    https.push_back(std::make_unique<FakeHttpClient>());
    https.back()->replies = {FakeReply{200u, token_json("ya29.w" + std::to_string(i), 3600), 50}};
    sources.push_back(std::make_unique<TokenSource>("gcp", "", test_grant(), *https.back(), clock,
                                                    TokenSourceOptions{}, cache));
  }
  std::vector<std::vector<std::string>> got(kWorkers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWorkers; ++i) {
    threads.emplace_back([&, i] {
      net::io_context io;
      for (int c = 0; c < 4; ++c) {
        net::co_spawn(
            io,
            [&, i]() -> net::awaitable<void> {
              auto r = co_await sources[i]->token();
              got[i].push_back(r ? *r : "error: " + r.error().message);
            },
            net::detached);
      }
      io.run();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  size_t exchanges = 0;
  for (const auto& h : https) {
    exchanges += h->requests.size();
  }
  EXPECT_EQ(exchanges, 1u);
  const std::string token = got[0].empty() ? "" : got[0][0];
  EXPECT_EQ(token.rfind("ya29.w", 0), 0u) << token;
  for (const auto& g : got) {
    EXPECT_EQ(g, std::vector<std::string>(4, token));
  }
}

}  // namespace
}  // namespace gw::vertex
