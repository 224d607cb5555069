#pragma once
// One client connection: reads requests with limits on header size, body size and time, hands
// each to the route table, and offers the handlers a writer for plain and streamed (chunked SSE)
// replies. Every write is awaited, so a slow client slows the upstream read instead of growing a
// buffer (back-pressure).
//
// The socket is read and written directly rather than through beast::tcp_stream and Beast's
// composed read operations: tcp_stream arms and cancels a timer around every read and write (each
// cancel is one more handler through the scheduler), and async_read finishes with a post even when
// the body was already buffered. Here a deadline is a time stored on the session that the worker's
// DeadlineSweep enforces, and a write that the socket takes whole completes without any
// asynchronous operation.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <chrono>
#include <list>
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/deadline_sweep.h"
#include "gw/common/http_types.h"

namespace gw {

namespace beast = boost::beast;
namespace http = beast::http;

class Worker;

using ClientRequest = http::request<http::string_body>;

class Session final : public Expirable {
 public:
  Session(Worker& worker, tcp::socket socket);
  ~Session();
  net::awaitable<void> run();

  // Drain: closes the connection now if no request is in progress; otherwise after it.
  void close_if_idle();
  // Shutdown after the drain: closes the connection whatever it is doing.
  void close_now();
  // The deadline passed: cancels the read or write in progress.
  void expire() override;

  // --- the writer handlers use. Each that writes returns false if the client is gone. ---
  net::awaitable<bool> write_reply(const ClientReply& r, const Headers& extra);
  // No I/O: the stream's head is held until the first chunk (or the end), so that both leave in
  // one write. Once the stream has begun, `keepalive` (a whole SSE event the client skips) is
  // written whenever nothing else was for the config's stream_keepalive.
  void begin_stream(const Headers& extra, std::string_view keepalive);
  // Drops a stream begun but not yet written (its attempt failed over before any byte was sent).
  void abandon_stream() { pending_head_.clear(); }
  net::awaitable<bool> write_chunk(std::string_view data);
  // Writes `last_data` (if any) and the terminating chunk together.
  net::awaitable<bool> end_stream(std::string_view last_data = {});
  // Whether the client has closed its end of the connection (or reset it), by a peek at the
  // socket: one system call, for the failover path, not every request. A client that shuts down
  // only its sending side while it waits for the answer looks gone too; HTTP clients do not.
  bool client_gone();
  // The request may not be followed by another on this connection.
  void no_keep_alive() { keep_alive_ = false; }

  Worker& worker() { return worker_; }

 private:
  using RequestParser = http::request_parser<http::string_body>;
  net::awaitable<bool> read_request(ClientRequest& out);
  // 413 in the route's dialect; the connection then closes after draining the unread body.
  net::awaitable<void> refuse_too_large(std::string_view method, std::string_view target);
  // Writes `r` to a request that was not read whole; the connection then closes after draining
  // what is left of it. Like every request, it gets an x-request-id, an access-log line and,
  // on a client route, a /metrics count. `method` is empty when the request line was not parsed.
  net::awaitable<void> refuse(const ClientReply& r, std::string_view method, std::string_view target);
  // Feeds buffered bytes to the parser, reading from the socket while it needs more, until the
  // header (header_only) or the whole request is parsed, within the read timeout.
  net::awaitable<beast::error_code> read_until(RequestParser& p, bool header_only);
  // One gather write of whole buffers, bounded by the write timeout; false once the client is gone.
  template <size_t N>
  net::awaitable<bool> write_all(const std::array<net::const_buffer, N>& bufs);
  net::awaitable<bool> write_stream(std::string_view data, bool last);

  void arm_deadline(std::chrono::steady_clock::duration d);
  void disarm_deadline();
  // The deadline, while a stream waits between writes, is when its keep-alive is due: expire()
  // then writes one instead of cancelling I/O (there is none in progress).
  void arm_keepalive();
  void send_keepalive();

  Worker& worker_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool head_ = false;  // the request being answered is a HEAD: its reply has no body
  bool http10_ = false;  // ... is HTTP/1.0 (no chunked coding): a stream ends with the connection
  std::string pending_head_;  // a stream's head until its first write; a keep-alive's unsent rest
  std::string_view keepalive_;  // the stream's keep-alive event
  bool keepalive_armed_ = false;  // the deadline armed is a keep-alive, not an I/O timeout
  bool linger_ = false;  // answered before the body was read: drain before closing
  std::list<Session*>::iterator self_;
};

}  // namespace gw
