// Request building, round trips and the keep-alive pool.
#include "gw/upstream/http_client.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace gw::test {
namespace {

TEST(HttpClient, GetRoundTripSendsHeadersAndExposesResponseHeaders) {
  net::io_context io;
  http::request<http::string_body> seen;
  TestServer server(io, keep_alive_handler([&](const auto& req) {
    seen = req;
    auto res = ok("hello");
    res.set("x-reply", "yes");
    res.insert("x-multi", "1");
    res.insert("x-multi", "2");
    return res;
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto req = get(server.url("/v1/models?limit=2"));
    req.headers = {{"x-test", "one"}, {"Authorization", "Bearer k"}};
    auto ex = co_await client->start(req, generous());
    CO_ASSERT_TRUE(ex.has_value());
    EXPECT_EQ((*ex)->status(), 200u);
    EXPECT_EQ(find_header((*ex)->headers(), "X-Reply"), "yes");
    EXPECT_EQ(find_header((*ex)->headers(), "content-type"), "text/plain");
    int multi = 0;
    for (const auto& [k, v] : (*ex)->headers()) {
      multi += k == "x-multi" ? 1 : 0;
    }
    EXPECT_EQ(multi, 2);
    auto body = co_await (*ex)->read_all(1024);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "hello");
  });
  EXPECT_EQ(seen.method(), http::verb::get);
  EXPECT_EQ(seen.target(), "/v1/models?limit=2");
  EXPECT_EQ(seen[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[http::field::user_agent], "switchyard/" SWITCHYARD_VERSION);
  EXPECT_EQ(seen["x-test"], "one");
  EXPECT_EQ(seen[http::field::authorization], "Bearer k");
}

TEST(HttpClient, PostSendsBodyWithContentLength) {
  net::io_context io;
  http::request<http::string_body> seen;
  TestServer server(io, keep_alive_handler([&](const auto& req) {
    seen = req;
    auto res = ok("echo:" + req.body());
    res.result(http::status::created);
    return res;
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    UpstreamRequest req;
    req.url = server.url("/v1/chat/completions");
    req.headers = {{"content-type", "application/json"}, {"Content-Length", "999"}};
    req.body = R"({"model":"m"})";
    auto ex = co_await client->start(req, generous());
    CO_ASSERT_TRUE(ex.has_value());
    EXPECT_EQ((*ex)->status(), 201u);
    auto body = co_await (*ex)->read_all(1024);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, R"(echo:{"model":"m"})");
  });
  EXPECT_EQ(seen.method(), http::verb::post);
  EXPECT_EQ(seen[http::field::content_length], "13");  // ours, not the caller's bogus 999
  EXPECT_EQ(seen[http::field::content_type], "application/json");
  EXPECT_EQ(seen.body(), R"({"model":"m"})");
}

TEST(HttpClient, CallerHostAndUserAgentWin) {
  net::io_context io;
  http::request<http::string_body> seen;
  TestServer server(io, keep_alive_handler([&](const auto& req) {
    seen = req;
    return ok("");
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto req = get(server.url());
    req.headers = {{"Host", "virtual.example"}, {"User-Agent", "custom/1"}};
    auto ex = co_await client->start(req, generous());
    CO_ASSERT_TRUE(ex.has_value());
  });
  EXPECT_EQ(seen[http::field::host], "virtual.example");
  EXPECT_EQ(seen[http::field::user_agent], "custom/1");
  EXPECT_EQ(seen.count(http::field::host), 1u);
}

// Bodies are never decompressed: a request without Accept-Encoding lets a server (or a compressing
// proxy in front of it) answer with gzip, which no codec could read.
TEST(HttpClient, AsksForUncompressedBodiesUnlessTheCallerChose) {
  net::io_context io;
  std::vector<std::string> seen;
  TestServer server(io, keep_alive_handler([&](const auto& req) {
    seen.emplace_back(req[http::field::accept_encoding]);
    return ok("");
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto plain = get(server.url());
    auto ex = co_await client->start(plain, generous());
    CO_ASSERT_TRUE(ex.has_value());
    ex->reset();
    auto chosen = get(server.url());
    chosen.headers = {{"accept-encoding", "br"}};
    auto ex2 = co_await client->start(chosen, generous());
    CO_ASSERT_TRUE(ex2.has_value());
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "identity");
  EXPECT_EQ(seen[1], "br");
}

TEST(HttpClient, HeaderWithLineBreakIsRejectedWithoutEchoingIt) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([](const auto&) { return ok(""); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto req = get(server.url());
    req.headers = {{"x-api-key", "SECRET\r\nx-evil: 1"}};
    auto ex = co_await client->start(req, generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().message.find("SECRET"), std::string::npos);
    req.headers = {{"bad name:", "v"}};
    auto bad_name = co_await client->start(req, generous());
    CO_ASSERT_TRUE(!bad_name.has_value());
    EXPECT_EQ(bad_name.error().code, Code::InvalidRequest);
  });
  EXPECT_EQ(server.accepted(), 0);
}

TEST(HttpClient, InvalidUrlIsAnError) {
  net::io_context io;
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get("gopher://x/"), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_FALSE(ex.error().retryable);
  });
}

TEST(HttpClientPool, SequentialRequestsReuseOneConnection) {
  net::io_context io;
  int served = 0;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok(std::to_string(++served)); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 1; i <= 5; ++i) {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      auto body = co_await (*ex)->read_all(100);
      CO_ASSERT_TRUE(body.has_value());
      EXPECT_EQ(*body, std::to_string(i));
    }
  });
  EXPECT_EQ(served, 5);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientPool, EmptyBodyResponseReturnsWithoutARead) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) {
    http::response<http::string_body> res{http::status::no_content, 11};
    return res;
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      EXPECT_EQ((*ex)->status(), 204u);
    }
  });
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientPool, ConnectionCloseResponsesAreNotReused) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) {
    auto res = ok("bye");
    res.keep_alive(false);
    return res;
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      auto body = co_await (*ex)->read_all(100);
      CO_ASSERT_TRUE(body.has_value());
      EXPECT_EQ(*body, "bye");
    }
  });
  EXPECT_EQ(server.accepted(), 3);
}

TEST(HttpClientPool, ACallersConnectionCloseIsSentAndTheConnectionNotReused) {
  net::io_context io;
  std::vector<std::string> seen;
  TestServer server(io, keep_alive_handler([&](const auto& req) {
    seen.emplace_back(req[http::field::connection]);
    return ok("x");
  }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      UpstreamRequest r = get(server.url());
      r.headers.emplace_back("Connection", "keep-alive, Close");  // a token list, any case
      auto ex = co_await client->start(r, generous());
      CO_ASSERT_TRUE(ex.has_value());
      auto body = co_await (*ex)->read_all(100);
      CO_ASSERT_TRUE(body.has_value());
    }
  });
  EXPECT_EQ(seen, std::vector<std::string>(3, "close"));
  EXPECT_EQ(server.accepted(), 3);
}

TEST(HttpClientPool, AbandonedBodyClosesTheConnection) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok(std::string(100000, 'x')); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      std::string part;
      auto more = co_await (*ex)->read_some(part);
      CO_ASSERT_TRUE(more.has_value() && *more);
    }  // destroyed half read
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    auto body = co_await (*ex)->read_all(1 << 20);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(body->size(), 100000u);
  });
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPool, ConcurrentRequestsOpenSeparateConnectionsThenReuseThem) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok("ok"); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    {
      // Two exchanges alive at once need two connections.
      auto a = co_await client->start(get(server.url()), generous());
      auto b = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(a.has_value() && b.has_value());
      CO_ASSERT_TRUE((co_await (*a)->read_all(10)).has_value());
      CO_ASSERT_TRUE((co_await (*b)->read_all(10)).has_value());
    }
    for (int i = 0; i < 4; ++i) {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      CO_ASSERT_TRUE((co_await (*ex)->read_all(10)).has_value());
    }
  });
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPool, IdleLimitPerHostClosesTheOverflow) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok("ok"); }));
  HttpClientOptions opts;
  opts.max_idle_per_host = 1;
  auto client = make_http_client(io.get_executor(), opts);
  run(io, [&]() -> net::awaitable<void> {
    {
      auto a = co_await client->start(get(server.url()), generous());
      auto b = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(a.has_value() && b.has_value());
      CO_ASSERT_TRUE((co_await (*a)->read_all(10)).has_value());
      CO_ASSERT_TRUE((co_await (*b)->read_all(10)).has_value());
    }
    // Only one stayed parked: two concurrent requests need one new connection.
    auto c = co_await client->start(get(server.url()), generous());
    auto d = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(c.has_value() && d.has_value());
  });
  EXPECT_EQ(server.accepted(), 3);
}

// The server answers the first request with keep-alive, then closes the idle connection.
TEST(HttpClientPool, ServerClosedIdleConnectionIsReplacedTransparently) {
  net::io_context io;
  TestServer server(io, [](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    if (co_await read_request(sock, buf, req)) {
      auto res = ok("first");
      res.prepare_payload();
      co_await http::async_write(sock, res, use_nothrow);
    }
    // returning closes the socket
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      auto ex = co_await client->start(get(server.url()), generous());
      CO_ASSERT_TRUE(ex.has_value());
      auto body = co_await (*ex)->read_all(100);
      CO_ASSERT_TRUE(body.has_value());
      EXPECT_EQ(*body, "first");
      co_await sleep_for(50ms);  // let the server's FIN arrive (either path must succeed)
    }
  });
  EXPECT_EQ(server.accepted(), 2);
}

// The race the peek cannot see: the server takes the second request on the reused connection and
// closes without a byte of answer. The client sends it again on a fresh connection.
TEST(HttpClientPool, ReusedConnectionClosedBeforeAnyResponseByteIsRetriedOnce) {
  net::io_context io;
  int requests_seen = 0;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    const bool first_connection = requests_seen == 0;
    while (co_await read_request(sock, buf, req)) {
      ++requests_seen;
      if (first_connection && requests_seen == 2) {
        co_return;  // close without answering
      }
      auto res = ok("n" + std::to_string(requests_seen));
      res.prepare_payload();
      co_await http::async_write(sock, res, use_nothrow);
    }
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    UpstreamRequest req;
    req.url = server.url();
    req.body = "payload";
    auto first = co_await client->start(req, generous());
    CO_ASSERT_TRUE(first.has_value());
    CO_ASSERT_TRUE((co_await (*first)->read_all(100)).has_value());
    first->reset();
    auto second = co_await client->start(req, generous());
    CO_ASSERT_TRUE(second.has_value());
    auto body = co_await (*second)->read_all(100);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "n3");
  });
  EXPECT_EQ(requests_seen, 3);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPool, FreshConnectionClosedBeforeResponseIsAnErrorNotARetry) {
  net::io_context io;
  TestServer server(io, [](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_NE(ex.error().message.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos);
  });
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientPool, IdleConnectionsOlderThanKeepaliveAreClosed) {
  net::io_context io;
  bool saw_close = false;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    while (co_await read_request(sock, buf, req)) {
      auto res = ok("ok");
      res.prepare_payload();
      co_await http::async_write(sock, res, use_nothrow);
    }
    saw_close = true;  // the client's sweep closed the parked connection
  });
  HttpClientOptions opts;
  opts.idle_keepalive = 1s;
  auto client = make_http_client(io.get_executor(), opts);
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    CO_ASSERT_TRUE((co_await (*ex)->read_all(10)).has_value());
    for (int i = 0; i < 200 && !saw_close; ++i) {
      co_await sleep_for(50ms);
    }
    EXPECT_TRUE(saw_close);
    auto again = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(again.has_value());
  });
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPool, ExchangeMayOutliveTheClient) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok("late"); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    client.reset();
    auto body = co_await (*ex)->read_all(10);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "late");
  });
}

}  // namespace
}  // namespace gw::test
