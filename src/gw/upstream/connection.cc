#include "gw/upstream/connection.h"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <array>
#include <vector>

#include <openssl/ssl.h>

#include "gw/common/http_read.h"
#include "gw/common/socket_peek.h"
#include "gw/common/socket_send.h"

namespace gw::upstream {

namespace {

namespace ssl = boost::asio::ssl;

Error retryable(Code code, std::string message) {
  Error e = make_error(code, std::move(message));
  e.retryable = true;  // another try, or another deployment, may well succeed
  return e;
}

// Resolution outlives its caller when the deadline wins: getaddrinfo runs on Asio's resolver thread
// and cannot be interrupted, and tcp::resolver in Boost 1.81 ignores per-operation cancellation, so
// awaitable_operators::operator|| would wait for it anyway. The caller waits on the timer instead;
// the resolve handler keeps this state alive until getaddrinfo returns.
struct ResolveState {
  explicit ResolveState(const net::any_io_executor& ex) : resolver(ex), timer(ex) {}
  tcp::resolver resolver;
  net::steady_timer timer;
  bool done = false;
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
};

net::awaitable<beast::error_code> resolve(const net::any_io_executor& ex,
                                          const Target& t,
                                          SteadyClock::time_point deadline,
                                          std::vector<tcp::endpoint>& out) {
  // IP literals need no resolver thread.
  beast::error_code ec;
  const auto addr = net::ip::make_address(t.host, ec);
  if (!ec) {
    out.emplace_back(addr, t.port);
    co_return beast::error_code{};
  }
  auto st = std::make_shared<ResolveState>(ex);
  st->timer.expires_at(deadline);
  st->resolver.async_resolve(
      t.host, std::to_string(t.port), tcp::resolver::numeric_service,
      [st](const beast::error_code& rec, const tcp::resolver::results_type& results) {
        st->done = true;
        st->ec = rec;
        for (const auto& r : results) {
          st->endpoints.push_back(r.endpoint());
        }
        st->timer.cancel();
      });
  co_await st->timer.async_wait(use_nothrow);
  if (!st->done) {
    st->resolver.cancel();
    co_return beast::error::timeout;
  }
  out = std::move(st->endpoints);
  co_return st->ec;
}

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

// The read buffer: a 3 KB stream arrives in one read rather than six, and each read becomes a write
// to the client.
constexpr size_t kReadBufferBytes = 16 * 1024;
// What the buffer may hold that the parser could not take yet: a head (http_client.cc allows
// 64 KiB) or a chunk line. More is an upstream that never ends a line (a chunk extension without
// end), an error rather than memory without bound.
constexpr size_t kMaxUnparsedBytes = 1 << 20;

Connection::Connection(tcp::socket s, std::shared_ptr<DeadlineSweep> sweep, std::string pool_key)
    : stream_(std::in_place_type<PlainStream>, std::move(s)), pool_key_(std::move(pool_key)), sweep_(std::move(sweep)) {
  buffer_.reserve(kReadBufferBytes);
  buffer_.max_size(kMaxUnparsedBytes);
}

Connection::Connection(tcp::socket s, ssl::context& tls, std::shared_ptr<DeadlineSweep> sweep, std::string pool_key)
    : stream_(std::in_place_type<TlsStream>, std::move(s), tls),
      pool_key_(std::move(pool_key)),
      sweep_(std::move(sweep)) {
  buffer_.reserve(kReadBufferBytes);
  buffer_.max_size(kMaxUnparsedBytes);
}

tcp::socket& Connection::lowest() {
  return std::visit([](auto& s) -> tcp::socket& { return beast::get_lowest_layer(s); }, stream_);
}

const tcp::socket& Connection::lowest() const {
  return std::visit([](const auto& s) -> const tcp::socket& { return beast::get_lowest_layer(s); }, stream_);
}

void Connection::arm(SteadyClock::time_point deadline) {
  sweep_->arm(*this, deadline);
}

void Connection::disarm() { sweep_->disarm(*this); }

void Connection::expire() {
  beast::error_code ignored;
  lowest().cancel(ignored);
}

net::awaitable<Result<std::unique_ptr<Connection>>> Connection::open(
    net::any_io_executor ex, const Target& t, ssl::context& tls, std::chrono::milliseconds timeout,
    std::shared_ptr<DeadlineSweep> sweep) {
  const auto deadline = SteadyClock::now() + timeout;
  const std::string where = t.authority();
  auto timed_out = [&] {
    return retryable(Code::UpstreamTimeout, "connect to " + where + " timed out after " + ms_text(timeout));
  };

  std::vector<tcp::endpoint> endpoints;
  if (auto ec = co_await resolve(ex, t, deadline, endpoints); ec || endpoints.empty()) {
    if (ec == beast::error::timeout) {
      co_return timed_out();
    }
    co_return retryable(Code::UpstreamError,
                        "cannot resolve " + t.host + ": " + (ec ? ec.message() : "no addresses"));
  }

  // Connecting is once per connection, not per request: tcp_stream's ranged connect with its
  // timer is kept for it, and the socket is taken over afterwards.
  beast::tcp_stream connecting(ex);
  connecting.expires_at(deadline);
  auto [cec, ep] = co_await connecting.async_connect(endpoints, use_nothrow);
  if (cec == beast::error::timeout) {
    co_return timed_out();
  }
  if (cec) {
    co_return retryable(Code::UpstreamError, "connect to " + where + " failed: " + cec.message());
  }
  tcp::socket socket = connecting.release_socket();
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // requests are written whole
  socket.non_blocking(true, ignored);               // writes try one send first (send_now)

  auto conn = t.tls ? std::make_unique<Connection>(std::move(socket), tls, std::move(sweep), t.pool_key)
                    : std::make_unique<Connection>(std::move(socket), std::move(sweep), t.pool_key);
  if (auto* s = std::get_if<TlsStream>(&conn->stream_)) {
    beast::error_code not_ip;
    net::ip::make_address(t.host, not_ip);
    const bool is_ip = !not_ip;
    // SNI carries names only (RFC 6066 forbids IP literals there).
    if (!is_ip && SSL_set_tlsext_host_name(s->native_handle(), t.host.c_str()) != 1) {
      co_return retryable(Code::UpstreamError, "TLS setup for " + where + " failed: SNI");
    }
    beast::error_code vec;
    s->set_verify_mode(ssl::verify_peer, vec);
    if (!vec) {
      // RFC 6125 name check (X509_check_host, or X509_check_ip for literals) on the leaf.
      s->set_verify_callback(ssl::host_name_verification(t.host), vec);
    }
    if (vec) {
      co_return retryable(Code::UpstreamError, "TLS setup for " + where + " failed: " + vec.message());
    }
    conn->arm(deadline);
    auto [hec] = co_await s->async_handshake(ssl::stream_base::client, use_nothrow);
    conn->disarm();
    if (conn->expired()) {
      co_return timed_out();
    }
    if (hec) {
      co_return retryable(Code::UpstreamError,
                          "TLS handshake with " + where + " failed: " + hec.message());
    }
  }
  co_return conn;
}

net::awaitable<beast::error_code> Connection::write(std::string_view head, std::string_view body,
                                                    SteadyClock::time_point deadline) {
  const std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(body)};
  beast::error_code ec;
  size_t sent = 0;
  if (auto* plain = std::get_if<PlainStream>(&stream_)) {
    sent = send_now(*plain, bufs, ec);
    if (ec || sent == head.size() + body.size()) {
      co_return ec;
    }
  }
  beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(bufs);
  rest.consume(sent);
  arm(deadline);
  auto [wec, n] = co_await std::visit([&](auto& s) { return net::async_write(s, rest, use_nothrow); }, stream_);
  disarm();
  co_return timeout_or(wec);
}

net::awaitable<beast::error_code> Connection::read_header(ResponseParser& p,
                                                          SteadyClock::time_point deadline) {
  arm(deadline);
  beast::error_code ec;
  while (!ec && !p.is_header_done()) {
    ec = co_await std::visit([&](auto& s) { return read_http_step(s, buffer_, p); }, stream_);
  }
  disarm();
  co_return timeout_or(ec);
}

net::awaitable<beast::error_code> Connection::read_some(ResponseParser& p,
                                                        std::chrono::milliseconds idle) {
  arm(SteadyClock::now() + idle);
  auto ec = co_await std::visit([&](auto& s) { return read_http_step(s, buffer_, p); }, stream_);
  ec = timeout_or(ec);
  disarm();
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  co_return ec;
}

bool Connection::looks_alive() const {
  switch (peek_peer(lowest())) {
    case PeerState::Open:
      return true;
    case PeerState::Closed:
      return false;  // closed or reset by the server
    case PeerState::Data:
      // Bytes on an idle connection: for plain HTTP a stray response, never ours to read. For TLS
      // they may be a late session ticket or a close_notify; a peek cannot tell, so the retry
      // path decides.
      return std::holds_alternative<TlsStream>(stream_);
  }
  return false;
}

void Connection::close() {
  beast::error_code ignored;
  lowest().shutdown(tcp::socket::shutdown_both, ignored);
  lowest().close(ignored);
}

}  // namespace gw::upstream
