#include "gw/upstream/connection.h"

#include <sys/socket.h>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <array>
#include <cerrno>
#include <vector>

#include <openssl/ssl.h>

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

// Beast reads into what the flat_buffer already holds (at least 512 bytes): left at its initial
// size, a 3 KB stream arrives in six reads, and each read becomes a write to the client.
constexpr size_t kReadBufferBytes = 16 * 1024;

Connection::Connection(net::any_io_executor ex, std::string pool_key)
    : stream_(std::in_place_type<PlainStream>, std::move(ex)), pool_key_(std::move(pool_key)) {
  buffer_.reserve(kReadBufferBytes);
}

Connection::Connection(net::any_io_executor ex, ssl::context& tls, std::string pool_key)
    : stream_(std::in_place_type<TlsStream>, std::move(ex), tls), pool_key_(std::move(pool_key)) {
  buffer_.reserve(kReadBufferBytes);
}

beast::tcp_stream& Connection::lowest() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                    stream_);
}

const beast::tcp_stream& Connection::lowest() const {
  return std::visit(
      [](const auto& s) -> const beast::tcp_stream& { return beast::get_lowest_layer(s); },
      stream_);
}

net::awaitable<Result<std::unique_ptr<Connection>>> Connection::open(
    net::any_io_executor ex, const Target& t, ssl::context& tls, std::chrono::milliseconds timeout) {
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

  auto conn = t.tls ? std::make_unique<Connection>(ex, tls, t.pool_key)
                    : std::make_unique<Connection>(ex, t.pool_key);
  beast::tcp_stream& tcp_layer = conn->lowest();
  tcp_layer.expires_at(deadline);
  auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, use_nothrow);
  if (cec == beast::error::timeout) {
    co_return timed_out();
  }
  if (cec) {
    co_return retryable(Code::UpstreamError, "connect to " + where + " failed: " + cec.message());
  }
  beast::error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);  // requests are written whole

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
    auto [hec] = co_await s->async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec == beast::error::timeout) {
      co_return timed_out();
    }
    if (hec) {
      co_return retryable(Code::UpstreamError,
                          "TLS handshake with " + where + " failed: " + hec.message());
    }
  }
  tcp_layer.expires_never();
  co_return conn;
}

net::awaitable<beast::error_code> Connection::write(std::string_view head, std::string_view body,
                                                    SteadyClock::time_point deadline) {
  lowest().expires_at(deadline);
  const std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(body)};
  auto [ec, n] = co_await std::visit(
      [&](auto& s) { return net::async_write(s, bufs, use_nothrow); }, stream_);
  co_return ec;
}

net::awaitable<beast::error_code> Connection::read_header(ResponseParser& p,
                                                          SteadyClock::time_point deadline) {
  lowest().expires_at(deadline);
  auto [ec, n] = co_await std::visit(
      [&](auto& s) { return http::async_read_header(s, buffer_, p, use_nothrow); }, stream_);
  co_return ec;
}

net::awaitable<beast::error_code> Connection::read_some(ResponseParser& p,
                                                        std::chrono::milliseconds idle) {
  lowest().expires_after(idle);
  auto [ec, n] = co_await std::visit(
      [&](auto& s) { return http::async_read_some(s, buffer_, p, use_nothrow); }, stream_);
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  co_return ec;
}

bool Connection::looks_alive() const {
  const auto& sock = lowest().socket();
  if (!sock.is_open()) {
    return false;
  }
  char byte = 0;
  const ssize_t n = ::recv(const_cast<tcp::socket&>(sock).native_handle(), &byte, 1,
                           MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    return false;  // orderly close by the server
  }
  if (n < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  // Bytes on an idle connection: for plain HTTP a stray response, never ours to read. For TLS they
  // may be a late session ticket or a close_notify; a peek cannot tell, so the retry path decides.
  return std::holds_alternative<TlsStream>(stream_);
}

void Connection::close() {
  beast::error_code ignored;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest().close();
}

}  // namespace gw::upstream
