#pragma once
// One client connection: reads requests with limits on header size, body size and time, hands
// each to the route table, and offers the handlers a writer for plain and streamed (chunked SSE)
// replies. Every write is awaited, so a slow client slows the upstream read instead of growing a
// buffer (back-pressure).
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <list>
#include <string>
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/http_types.h"

namespace gw {

namespace beast = boost::beast;
namespace http = beast::http;

class Worker;

using ClientRequest = http::request<http::string_body>;

class Session {
 public:
  Session(Worker& worker, tcp::socket socket);
  ~Session();
  net::awaitable<void> run();

  // Drain: closes the connection now if no request is in progress; otherwise after it.
  void close_if_idle();
  // Shutdown after the drain: closes the connection whatever it is doing.
  void close_now();

  // --- the writer handlers use. Each that writes returns false if the client is gone. ---
  net::awaitable<bool> write_reply(const ClientReply& r, const Headers& extra);
  // No I/O: the stream's head is held until the first chunk (or the end), so that both leave in
  // one write.
  void begin_stream(const Headers& extra);
  net::awaitable<bool> write_chunk(std::string_view data);
  // Writes `last_data` (if any) and the terminating chunk together.
  net::awaitable<bool> end_stream(std::string_view last_data = {});
  // The request may not be followed by another on this connection.
  void no_keep_alive() { keep_alive_ = false; }

  Worker& worker() { return worker_; }

 private:
  net::awaitable<bool> read_request(ClientRequest& out);
  // One gather write of whole buffers, bounded by the write timeout; false once the client is gone.
  template <size_t N>
  net::awaitable<bool> write_all(const std::array<net::const_buffer, N>& bufs);
  net::awaitable<bool> write_stream(std::string_view data, bool last);

  Worker& worker_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool keep_alive_ = true;
  bool busy_ = false;
  std::string pending_head_;  // a stream's head, until its first write
  bool linger_ = false;  // answered before the body was read: drain before closing
  std::list<Session*>::iterator self_;
};

}  // namespace gw
