#pragma once
// In-process upstream servers for the client tests. Client and servers share one io_context on
// the test thread, so every test is deterministic about ordering without sleeps.
#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include "gw/common/asio.h"
#include "gw/upstream/http_client.h"

namespace gw::test {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

// ASSERT_* cannot be used in a coroutine (it expands to `return`).
#define CO_ASSERT_TRUE(cond)                    \
  if (!(cond)) {                                \
    ADD_FAILURE() << "assertion failed: " #cond; \
    co_return;                                  \
  }

// Runs `body` to completion on `io` (servers spawned by it die with the io_context).
inline void run(net::io_context& io, std::function<net::awaitable<void>()> body) {
  bool finished = false;
  net::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    finished = true;
    io.stop();
    if (e) {
      std::rethrow_exception(e);
    }
  });
  io.run_for(120s);  // a safety net against a hung test, not a timing assertion
  EXPECT_TRUE(finished) << "test body did not finish";
}

// Timeouts for calls that are expected to succeed: generous, the test machine is loaded.
inline Timeouts generous() { return Timeouts{20s, 20s, 20s}; }

// A TCP server on 127.0.0.1:0 that runs `handler` for each accepted connection and counts them.
class TestServer {
 public:
  using Handler = std::function<net::awaitable<void>(tcp::socket)>;

  TestServer(net::io_context& io, Handler handler)
      : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)) {
    net::co_spawn(io, accept_loop(), net::detached);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  int accepted() const { return accepted_; }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(use_nothrow);
      if (ec) {
        co_return;
      }
      ++accepted_;
      net::co_spawn(acceptor_.get_executor(), handler_(std::move(sock)), net::detached);
    }
  }

  tcp::acceptor acceptor_;
  Handler handler_;
  int accepted_ = 0;
};

// Reads one request; false on EOF or error.
template <class Stream>
net::awaitable<bool> read_request(Stream& s, beast::flat_buffer& buf, http::request<http::string_body>& req) {
  req = {};
  auto [ec, n] = co_await http::async_read(s, buf, req, use_nothrow);
  co_return !ec;
}

template <class Stream>
net::awaitable<bool> write_raw(Stream& s, std::string_view bytes) {
  auto [ec, n] = co_await net::async_write(s, net::buffer(bytes.data(), bytes.size()), use_nothrow);
  co_return !ec;
}

inline net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(use_nothrow);
}

// A keep-alive server: answers every request on a connection with `reply(req)`.
inline TestServer::Handler keep_alive_handler(
    std::function<http::response<http::string_body>(const http::request<http::string_body>&)> reply) {
  return [reply](tcp::socket sock) -> net::awaitable<void> {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    while (co_await read_request(sock, buf, req)) {
      auto res = reply(req);
      res.prepare_payload();
      auto [ec, n] = co_await http::async_write(sock, res, use_nothrow);
      if (ec || !res.keep_alive()) {
        break;
      }
    }
  };
}

inline http::response<http::string_body> ok(std::string body) {
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

inline UpstreamRequest get(std::string url) {
  UpstreamRequest r;
  r.method = "GET";
  r.url = std::move(url);
  return r;
}

}  // namespace gw::test
