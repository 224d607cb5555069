// Streaming bodies, limits, timeouts and connection failures.
#include <gtest/gtest.h>

#include "gw/upstream/http_client.h"
#include "test_support.h"

namespace gw::test {
namespace {

TEST(HttpClientBody, ChunkedBodyArrivesIncrementally) {
  net::io_context io;
  // The server sends the second chunk only once the client has seen the first (or after 20 s,
  // which then fails the test): proof that the body is not buffered whole.
  net::steady_timer client_saw_first(io, std::chrono::steady_clock::time_point::max());
  bool second_waited_for_client = false;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock,
                       "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "d\r\ndata: first\n\n\r\n");
    client_saw_first.expires_after(20s);
    auto [ec] = co_await client_saw_first.async_wait(use_nothrow);
    second_waited_for_client = ec == net::error::operation_aborted;
    co_await write_raw(sock, "e\r\ndata: second\n\n\r\n0\r\n\r\n");
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url("/stream")), generous());
    CO_ASSERT_TRUE(ex.has_value());
    EXPECT_EQ(find_header((*ex)->headers(), "content-type"), "text/event-stream");
    std::string got;
    auto more = co_await (*ex)->read_some(got);
    CO_ASSERT_TRUE(more.has_value() && *more);
    EXPECT_EQ(got, "data: first\n\n");
    client_saw_first.cancel();
    for (;;) {
      auto r = co_await (*ex)->read_some(got);
      CO_ASSERT_TRUE(r.has_value());
      if (!*r) {
        break;
      }
    }
    EXPECT_EQ(got, "data: first\n\ndata: second\n\n");
    auto after_end = co_await (*ex)->read_some(got);
    CO_ASSERT_TRUE(after_end.has_value());
    EXPECT_FALSE(*after_end);
  });
  EXPECT_TRUE(second_waited_for_client);
}

TEST(HttpClientBody, ContentLengthBodyReadInPieces) {
  net::io_context io;
  std::string big(300000, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok(big); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    EXPECT_EQ(find_header((*ex)->headers(), "content-length"), "300000");
    std::string got;
    int reads = 0;
    for (;;) {
      auto r = co_await (*ex)->read_some(got);
      CO_ASSERT_TRUE(r.has_value());
      if (!*r) {
        break;
      }
      ++reads;
    }
    EXPECT_EQ(got, big);
    EXPECT_GT(reads, 1);  // streamed, not one whole-body read
  });
}

TEST(HttpClientBody, BodyUntilCloseIsReadToTheEnd) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    auto body = co_await (*ex)->read_all(1000);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "until the end");
  });
}

TEST(HttpClientBody, InterimResponsesAreSkipped) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock,
                       "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal");
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    EXPECT_EQ((*ex)->status(), 200u);
    auto body = co_await (*ex)->read_all(100);
    CO_ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "real");
  });
}

TEST(HttpClientBody, ReadAllLimitWithContentLength) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([&](const auto&) { return ok(std::string(1000, 'x')); }));
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    auto body = co_await (*ex)->read_all(100);
    CO_ASSERT_TRUE(!body.has_value());
    EXPECT_EQ(body.error().code, Code::UpstreamError);
    EXPECT_NE(body.error().message.find("exceeds 100 bytes"), std::string::npos);
    std::string more;
    EXPECT_FALSE((co_await (*ex)->read_some(more)).has_value());  // the failure is sticky
  });
}

TEST(HttpClientBody, ReadAllLimitWithChunkedBody) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) {
      reply += "a\r\n0123456789\r\n";
    }
    reply += "0\r\n\r\n";
    co_await write_raw(sock, reply);
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    auto body = co_await (*ex)->read_all(150);
    CO_ASSERT_TRUE(!body.has_value());
    EXPECT_NE(body.error().message.find("exceeds 150 bytes"), std::string::npos);
  });
}

TEST(HttpClientErrors, ConnectRefusedIsRetryableUpstreamError) {
  net::io_context io;
  uint16_t port = 0;
  {
    tcp::acceptor probe(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto req = get("http://127.0.0.1:" + std::to_string(port) + "/v1?key=SECRET");
    req.headers = {{"authorization", "Bearer SECRET"}};
    auto ex = co_await client->start(req, generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_EQ(ex.error().message,
              "connect to 127.0.0.1:" + std::to_string(port) + " failed: Connection refused");
  });
}

TEST(HttpClientErrors, UnresolvableHostIsRetryableUpstreamError) {
  net::io_context io;
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get("http://no-such-host.invalid/"), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_NE(ex.error().message.find("no-such-host.invalid"), std::string::npos);
  });
}

TEST(HttpClientErrors, SilentServerTimesOutAfterFirstByteTimeout) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await sleep_for(60s);  // never answers (the io_context stops first)
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    const auto t0 = std::chrono::steady_clock::now();
    auto ex = co_await client->start(get(server.url()), Timeouts{20s, 300ms, 20s});
    const auto took = std::chrono::steady_clock::now() - t0;
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamTimeout);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 15s);
  });
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientErrors, StallMidBodyHitsIdleTimeout) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    co_await sleep_for(60s);
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), Timeouts{20s, 20s, 300ms});
    CO_ASSERT_TRUE(ex.has_value());
    std::string got;
    auto first = co_await (*ex)->read_some(got);
    CO_ASSERT_TRUE(first.has_value() && *first);
    EXPECT_EQ(got, "partial");
    auto second = co_await (*ex)->read_some(got);
    CO_ASSERT_TRUE(!second.has_value());
    EXPECT_EQ(second.error().code, Code::UpstreamTimeout);
    EXPECT_TRUE(second.error().retryable);
  });
}

TEST(HttpClientErrors, ResetMidBodyIsAnErrorFromReadSome) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome bytes");
    co_await sleep_for(100ms);
    sock.set_option(net::socket_base::linger(true, 0));  // close() now sends RST
    sock.close();
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    std::string got;
    Result<bool> r = true;
    for (int i = 0; i < 100 && r.has_value() && *r; ++i) {
      r = co_await (*ex)->read_some(got);
    }
    CO_ASSERT_TRUE(!r.has_value());
    EXPECT_EQ(r.error().code, Code::UpstreamError);
    EXPECT_TRUE(r.error().retryable);
  });
}

TEST(HttpClientErrors, TruncatedBodyIsAnError) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort");
  });  // orderly close before the promised length
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(ex.has_value());
    auto body = co_await (*ex)->read_all(10000);
    CO_ASSERT_TRUE(!body.has_value());
    EXPECT_EQ(body.error().code, Code::UpstreamError);
  });
}

TEST(HttpClientErrors, OversizedHeadersAreRejected) {
  net::io_context io;
  TestServer server(io, [&](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    co_await read_request(sock, buf, req);
    co_await write_raw(sock, "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'h') +
                                 "\r\nContent-Length: 0\r\n\r\n");
  });
  auto client = make_http_client(io.get_executor());
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(server.url()), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_NE(ex.error().message.find("64 KiB"), std::string::npos);
  });
}

}  // namespace
}  // namespace gw::test
