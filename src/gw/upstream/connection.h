#pragma once
// One upstream connection, plain or TLS, with the read buffer that belongs to it. Every operation
// is bounded by a deadline that the worker's DeadlineSweep enforces (no timer per read or write);
// Beast's parser is fed from the connection's own read loop; errors come back as values.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "gw/common/asio.h"
#include "gw/common/deadline_sweep.h"
#include "gw/common/result.h"
#include "gw/upstream/target.h"

namespace gw::upstream {

namespace beast = boost::beast;
namespace http = beast::http;
using SteadyClock = std::chrono::steady_clock;

// Bodies are streamed through caller-provided buffers: never buffered whole.
using ResponseParser = http::response_parser<http::buffer_body>;

class Connection final : public Expirable {
 public:
  using PlainStream = tcp::socket;
  using TlsStream = boost::asio::ssl::stream<tcp::socket>;

  // Resolves, connects and, for https, does the verified TLS handshake, all within `timeout`.
  // Errors: UpstreamTimeout or UpstreamError, both retryable.
  static net::awaitable<Result<std::unique_ptr<Connection>>> open(net::any_io_executor ex,
                                                                  const Target& target,
                                                                  boost::asio::ssl::context& tls,
                                                                  std::chrono::milliseconds timeout,
                                                                  std::shared_ptr<DeadlineSweep> sweep);

  // From a connected socket.
  Connection(tcp::socket s, std::shared_ptr<DeadlineSweep> sweep, std::string pool_key);
  Connection(tcp::socket s, boost::asio::ssl::context& tls, std::shared_ptr<DeadlineSweep> sweep,
             std::string pool_key);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Head and body in one gather write.
  net::awaitable<beast::error_code> write(std::string_view head, std::string_view body,
                                          SteadyClock::time_point deadline);
  net::awaitable<beast::error_code> read_header(ResponseParser& p, SteadyClock::time_point deadline);
  // One step of body parsing: http::error::need_buffer is not an error here.
  net::awaitable<beast::error_code> read_some(ResponseParser& p, std::chrono::milliseconds idle);

  // Whether the server could still be listening: false once it closed (or, for plain HTTP, sent
  // bytes nobody asked for) while the connection sat idle. One non-blocking peek, no I/O wait.
  bool looks_alive() const;
  bool has_buffered_bytes() const { return buffer_.size() != 0; }
  void close();
  // The deadline passed: cancels the operation in progress (it ends with beast::error::timeout).
  void expire() override;

  const std::string& pool_key() const { return pool_key_; }
  SteadyClock::time_point idle_since{};  // set by the pool when the connection is parked

 private:
  tcp::socket& lowest();
  const tcp::socket& lowest() const;
  void arm(SteadyClock::time_point deadline);
  void disarm();

  std::variant<PlainStream, TlsStream> stream_;
  beast::flat_buffer buffer_;
  std::string pool_key_;
  std::shared_ptr<DeadlineSweep> sweep_;
};

}  // namespace gw::upstream
