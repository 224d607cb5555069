#include "gw/server/session.h"

#include <array>

#include "gw/server/routes.h"
#include "gw/server/worker.h"

namespace gw {

namespace {
constexpr auto kWriteTimeout = std::chrono::seconds(120);  // a client that stops reading entirely
constexpr unsigned kHttp11 = 11;
constexpr size_t kMaxLingerBytes = 64 << 20;

void apply_headers(http::fields& f, const Headers& hs) {
  for (const auto& [k, v] : hs) {
    f.set(k, v);
  }
}
}  // namespace

Session::Session(Worker& worker, tcp::socket socket) : worker_(worker), stream_(std::move(socket)) {
  self_ = worker_.add_session(this);
}

Session::~Session() { worker_.remove_session(self_); }

void Session::close_if_idle() {
  keep_alive_ = false;
  if (!busy_) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }
}

void Session::close_now() {
  keep_alive_ = false;
  linger_ = false;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

net::awaitable<bool> Session::read_request(ClientRequest& out) {
  const auto& cfg = worker_.app().cfg;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
  stream_.expires_after(cfg.read_timeout);
  auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, use_nothrow);
  if (ec) {
    if (ec == http::error::body_limit) {
      // Beast refuses an announced Content-Length over the limit while parsing the header.
      keep_alive_ = false;
      linger_ = true;
      const ClientReply too_large = render_too_large(parser.get().target());
      const Headers none;
      co_await write_reply(too_large, none);
      co_return false;
    }
    if (ec == http::error::header_limit) {
      ClientReply r{431, Headers{{"content-type", "application/json"}},
                    R"({"error":{"message":"request headers too large","type":"invalid_request_error"}})"};
      keep_alive_ = false;
      const Headers none;
      co_await write_reply(r, none);
    }
    co_return false;
  }
  busy_ = true;
  const auto& req = parser.get();
  // Refuse an announced oversized body before reading it (and before 100-continue).
  if (auto len = parser.content_length(); len && *len > cfg.max_body_bytes) {
    keep_alive_ = false;
    linger_ = true;
    const ClientReply too_large = render_too_large(req.target());
    const Headers none;
    co_await write_reply(too_large, none);
    co_return false;
  }
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, kHttp11};
    stream_.expires_after(kWriteTimeout);
    auto [wec, wn] = co_await http::async_write(stream_, cont, use_nothrow);
    if (wec) {
      co_return false;
    }
  }
  stream_.expires_after(cfg.read_timeout);
  auto [bec, bn] = co_await http::async_read(stream_, buffer_, parser, use_nothrow);
  if (bec) {
    if (bec == http::error::body_limit) {
      keep_alive_ = false;
      linger_ = true;
      const ClientReply too_large = render_too_large(req.target());
      const Headers none;
      co_await write_reply(too_large, none);
    }
    co_return false;
  }
  out = parser.release();
  co_return true;
}

net::awaitable<void> Session::run() {
  while (keep_alive_) {
    ClientRequest req;
    busy_ = false;
    if (worker_.app().draining) {
      break;
    }
    if (!co_await read_request(req)) {
      break;
    }
    keep_alive_ = req.keep_alive() && !worker_.app().draining;
    stream_.expires_never();
    co_await dispatch(*this, req);
    busy_ = false;
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (linger_) {
    // We answered before reading the whole body (413). Closing with unread bytes would reset
    // the connection and the client could lose our answer: read and discard for a moment first.
    std::array<char, 16384> sink;
    size_t discarded = 0;
    while (discarded < kMaxLingerBytes) {
      stream_.expires_after(std::chrono::seconds(2));
      auto [rec, n] = co_await stream_.async_read_some(net::buffer(sink), use_nothrow);
      if (rec) {
        break;
      }
      discarded += n;
    }
  }
  stream_.close();
}

net::awaitable<bool> Session::write_reply(const ClientReply& r, const Headers& extra) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), kHttp11};
  res.set(http::field::server, "switchyard");
  apply_headers(res, r.headers);
  apply_headers(res, extra);
  res.body() = r.body;
  res.keep_alive(keep_alive_);
  res.prepare_payload();
  stream_.expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write(stream_, res, use_nothrow);
  stream_.expires_never();
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> Session::begin_stream(const Headers& extra) {
  http::response<http::empty_body> res{http::status::ok, kHttp11};
  res.set(http::field::server, "switchyard");
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  apply_headers(res, extra);
  res.keep_alive(keep_alive_);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  stream_.expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write_header(stream_, sr, use_nothrow);
  stream_.expires_never();
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  streaming_ = true;
  co_return true;
}

net::awaitable<bool> Session::write_chunk(std::string_view data) {
  if (data.empty()) {
    co_return true;  // an empty chunk would end the body
  }
  stream_.expires_after(kWriteTimeout);
  const auto chunk = http::make_chunk(net::buffer(data));  // named: see relay.cc on g++ 12
  auto [ec, n] = co_await net::async_write(stream_, chunk, use_nothrow);
  stream_.expires_never();
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> Session::end_stream() {
  streaming_ = false;
  stream_.expires_after(kWriteTimeout);
  const auto last = http::make_chunk_last();
  auto [ec, n] = co_await net::async_write(stream_, last, use_nothrow);
  stream_.expires_never();
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

}  // namespace gw
