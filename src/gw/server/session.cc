#include "gw/server/session.h"

#include <array>
#include <optional>

#include <fmt/format.h>

#include "gw/common/http_head.h"
#include "gw/common/http_read.h"
#include "gw/common/ids.h"
#include "gw/common/socket_peek.h"
#include "gw/common/socket_send.h"

#include "gw/server/routes.h"
#include "gw/server/worker.h"
#include "gw/telemetry/access_log.h"

namespace gw {

namespace {
constexpr size_t kMaxLingerBytes = 64 << 20;

bool named_in(const Headers& hs, std::string_view name) {
  for (const auto& [k, v] : hs) {
    if (beast::iequals(k, name)) {
      return true;
    }
  }
  return false;
}

// Status line, Server, the reply's fields (those `extra` does not override) and then `extra`.
// Framing fields are the writer's own; a malformed field is dropped rather than sent.
std::string reply_head(unsigned status, const Headers& fields, const Headers& extra) {
  std::string head;
  head.reserve(256);
  http_head::append_status_line(head, status);
  head += "Server: switchyard\r\n";
  for (const auto& [k, v] : fields) {
    if (!http_head::is_framing_field(k) && !named_in(extra, k)) {
      http_head::append_field(head, k, v);
    }
  }
  for (const auto& [k, v] : extra) {
    if (!http_head::is_framing_field(k)) {
      http_head::append_field(head, k, v);
    }
  }
  return head;
}

// The target of a request line the parser has not taken yet (Beast parses it only once the whole
// header is buffered): "METHOD SP target SP version". Empty if the line holds no target.
std::string_view buffered_target(const beast::flat_buffer& buf) {
  const auto data = buf.data();
  std::string_view line(static_cast<const char*>(data.data()), data.size());
  line = line.substr(0, line.find("\r\n"));
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    return {};
  }
  line.remove_prefix(sp + 1);
  return line.substr(0, line.find(' '));
}

// Whether Beast refused the request as not well-formed (request line, a field, Content-Length or
// Transfer-Encoding, chunk framing), as opposed to the peer closing or the read failing.
bool malformed(const beast::error_code& ec) {
  static const boost::system::error_category& parse_errors =
      http::make_error_code(http::error::bad_method).category();
  return ec.category() == parse_errors && ec != http::error::end_of_stream &&
         ec != http::error::partial_message && ec != http::error::need_more;
}
}  // namespace

Session::Session(Worker& worker, tcp::socket socket) : worker_(worker), socket_(std::move(socket)) {
  // Reads go into the buffer's spare capacity: 8 KiB takes a typical request in one read. Past
  // the header limit it holds at most a chunk line's worth more (read_http_step).
  buffer_.reserve(8 * 1024);
  buffer_.max_size(worker.app().cfg.max_header_bytes + 64 * 1024);
  // Writes try the socket first (write_all); in non-blocking mode a full send buffer answers
  // would_block instead of stalling the worker.
  beast::error_code ec;
  socket_.non_blocking(true, ec);
  self_ = worker_.add_session(this);
}

Session::~Session() { worker_.remove_session(self_); }

void Session::close_if_idle() {
  keep_alive_ = false;
  if (!busy_) {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
}

bool Session::client_gone() { return peek_peer(socket_) == PeerState::Closed; }

void Session::close_now() {
  keep_alive_ = false;
  linger_ = false;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void Session::expire() {
  if (keepalive_armed_) {
    send_keepalive();
    return;
  }
  beast::error_code ec;
  socket_.cancel(ec);  // the pending read or write completes with operation_aborted
}

void Session::arm_deadline(std::chrono::steady_clock::duration d) {
  keepalive_armed_ = false;
  worker_.sweep().arm_after(*this, d);
}

void Session::disarm_deadline() {
  keepalive_armed_ = false;
  worker_.sweep().disarm(*this);
}

void Session::arm_keepalive() {
  const auto every = worker_.app().cfg.stream_keepalive;
  if (every.count() > 0 && !keepalive_.empty()) {
    worker_.sweep().arm_after(*this, every);
    keepalive_armed_ = true;
  }
}

// No write is in progress (one would have armed its own timeout), so the event goes out now, in
// a non-blocking send. A client too slow to take a few bytes keeps what it did not take for the
// next write, ahead of it, and gets no further keep-alive until then.
void Session::send_keepalive() {
  keepalive_armed_ = false;
  if (!pending_head_.empty()) {
    arm_keepalive();
    return;
  }
  std::string event;
  if (http10_) {
    event = keepalive_;
  } else {
    event = fmt::format("{:x}\r\n{}\r\n", keepalive_.size(), keepalive_);
  }
  const std::array<net::const_buffer, 1> buf{net::buffer(event)};
  beast::error_code ec;
  const size_t sent = send_now(socket_, buf, ec);
  if (ec) {
    return;  // the client is gone: the stream's next write finds out
  }
  pending_head_ = event.substr(sent);
  arm_keepalive();
}

net::awaitable<beast::error_code> Session::read_until(RequestParser& p, bool header_only) {
  arm_deadline(worker_.app().cfg.read_timeout);
  beast::error_code ec;
  while (!ec && !(header_only ? p.is_header_done() : p.is_done())) {
    ec = co_await read_http_step(socket_, buffer_, p);
  }
  disarm_deadline();
  co_return timeout_or(ec);
}

net::awaitable<void> Session::refuse_too_large(std::string_view method, std::string_view target) {
  const ClientReply too_large = render_too_large(target);
  co_await refuse(too_large, method, target);
}

net::awaitable<void> Session::refuse(const ClientReply& r, std::string_view method, std::string_view target) {
  keep_alive_ = false;
  linger_ = true;  // the unread rest of the request is drained before closing (run())
  const std::string request_id = new_request_id();
  const Headers extra{{"x-request-id", request_id}};
  co_await write_reply(r, extra);
  const std::string_view path = path_of(target);
  if (const std::string_view route = route_label(path); !route.empty()) {
    worker_.app().metrics.request_done(route, "", "", r.status, 0);
  }
  AccessLogEntry e;
  e.request_id = request_id;
  e.method = method;
  e.path = path;
  e.status = r.status;
  e.outcome = "error";
  e.error = r.status == 413 ? "request body exceeds max_body_bytes"
            : r.status == 431 ? "request headers exceed max_header_bytes"
                              : "malformed HTTP request";
  write_access_log(e);
}

namespace {

// The origin-form of an absolute-form target ("http://gw:4000/v1/models?x" -> "/v1/models?x",
// "https://gw?x" -> "/?x"); nullopt for a target in any other form.
std::optional<std::string> origin_form(std::string_view target) {
  for (const std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme)) {
      const size_t path = target.find_first_of("/?", scheme.size());
      if (path == std::string_view::npos) {
        return "/";
      }
      return (target[path] == '?' ? "/" : "") + std::string(target.substr(path));
    }
  }
  return std::nullopt;
}

// Why a request's head could be read two ways by this server and a proxy in front of it (a 400
// and a close), or empty when it cannot.
std::string_view ambiguous_header(const ClientRequest& req, bool chunked) {
  // RFC 9112 3.2: an HTTP/1.1 request without a Host, or any with two (which site is it for?).
  if (const size_t hosts = req.count(http::field::host); hosts > 1 || (hosts == 0 && req.version() >= 11)) {
    return hosts == 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header";
  }
  // RFC 9110 11.6.2: Authorization holds one credential (which one did the proxy check?).
  if (req.count(http::field::authorization) > 1 || req.count("x-api-key") > 1) {
    return "more than one Authorization or x-api-key header";
  }
  // RFC 9112 6.3: a Transfer-Encoding that does not end in chunked has no knowable length;
  // reading it any other way lets a body be taken for a next request (smuggling).
  if (req.count(http::field::transfer_encoding) != 0 && !chunked) {
    return "Transfer-Encoding must end with chunked";
  }
  return {};
}

}  // namespace

net::awaitable<bool> Session::read_request(ClientRequest& out) {
  const auto& cfg = worker_.app().cfg;
  RequestParser parser;
  parser.header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_body_bytes);
  if (auto ec = co_await read_until(parser, true); ec) {
    if (ec == http::error::body_limit) {
      // Beast refuses an announced Content-Length over the limit while parsing the header.
      const std::string_view target = parser.get().target();
      co_await refuse_too_large(parser.get().method_string(), target);
      co_return false;
    }
    // The request line is parsed only with the fields that follow it: if it was not, the target
    // (and so the dialect of the answer) is read from the bytes themselves.
    std::string_view target = parser.get().target();
    const std::string_view method = target.empty() ? std::string_view() : std::string_view(parser.get().method_string());
    if (target.empty()) {
      target = buffered_target(buffer_);
    }
    if (ec == http::error::header_limit) {
      const ClientReply too_large = render_headers_too_large(target);
      co_await refuse(too_large, method, target);
    } else if (malformed(ec)) {
      const ClientReply bad = render_malformed(target, ec.message());
      co_await refuse(bad, method, target);
    }
    co_return false;
  }
  busy_ = true;
  const auto& req = parser.get();
  // RFC 9112 3.2.2: a server must accept a target in absolute-form (http://host/path?query), as
  // some clients send through a proxy. From here on everything (a refusal's dialect too) reads the
  // origin-form.
  if (const std::optional<std::string> origin = origin_form(req.target())) {
    parser.get().target(*origin);
  }
  if (const std::string_view why = ambiguous_header(req, parser.chunked()); !why.empty()) {
    const ClientReply bad = render_malformed(req.target(), why);
    co_await refuse(bad, req.method_string(), req.target());
    co_return false;
  }
  // Refuse an announced oversized body before reading it (and before 100-continue).
  if (auto len = parser.content_length(); len && *len > cfg.max_body_bytes) {
    const std::string_view target = req.target();
    co_await refuse_too_large(req.method_string(), target);
    co_return false;
  }
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    const std::array<net::const_buffer, 1> cont{net::buffer(kContinue)};
    if (!co_await write_all(cont)) {
      co_return false;
    }
  }
  parser.eager(true);  // the body: as much per put() as is buffered
  if (auto ec = co_await read_until(parser, false); ec) {
    if (ec == http::error::body_limit) {
      const std::string_view target = req.target();
      co_await refuse_too_large(req.method_string(), target);
    } else if (malformed(ec)) {
      const ClientReply bad = render_malformed(req.target(), ec.message());
      co_await refuse(bad, req.method_string(), req.target());
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
    head_ = false;
    if (worker_.app().draining) {
      break;
    }
    if (!co_await read_request(req)) {
      break;
    }
    keep_alive_ = req.keep_alive() && !worker_.app().draining;
    head_ = req.method() == http::verb::head;
    http10_ = req.version() < 11;
    co_await dispatch(*this, req);
    disarm_deadline();  // a stream the handler left (its client gone) wants no more keep-alives
    busy_ = false;
  }
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (linger_) {
    // We answered before reading the whole body (413). Closing with unread bytes would reset
    // the connection and the client could lose our answer: read and discard for a moment first.
    std::array<char, 16384> sink;
    size_t discarded = 0;
    arm_deadline(std::chrono::seconds(2));
    while (discarded < kMaxLingerBytes && !expired()) {
      auto [rec, n] = co_await socket_.async_read_some(net::buffer(sink), use_nothrow);
      if (rec) {
        break;
      }
      discarded += n;
    }
    disarm_deadline();
  }
  socket_.close(ec);
}

net::awaitable<bool> Session::write_reply(const ClientReply& r, const Headers& extra) {
  std::string head = reply_head(r.status, r.headers, extra);
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (!bodiless) {
    http_head::append_content_length(head, r.body.size());
  }
  if (!keep_alive_) {
    head += "Connection: close\r\n";
  }
  head += "\r\n";
  // A reply to HEAD announces the length a GET would get but sends no body: the client reads
  // none, so a body would be taken for the start of the next response.
  const bool body_sent = !bodiless && !head_;
  const std::array<net::const_buffer, 2> bufs{net::buffer(head),
                                               net::buffer(r.body.data(), body_sent ? r.body.size() : 0)};
  co_return co_await write_all(bufs);
}

void Session::begin_stream(const Headers& extra, std::string_view keepalive) {
  keepalive_ = keepalive;
  // The head is held and leaves with the first chunk, in the same write (one send, not two).
  const Headers fields{{"content-type", "text/event-stream; charset=utf-8"}, {"cache-control", "no-cache"}};
  pending_head_ = reply_head(200, fields, extra);
  if (http10_) {
    // RFC 9112 6.1: no Transfer-Encoding to an HTTP/1.0 client; the close delimits the body.
    keep_alive_ = false;
  } else {
    pending_head_ += "Transfer-Encoding: chunked\r\n";
  }
  if (!keep_alive_) {
    pending_head_ += "Connection: close\r\n";
  }
  pending_head_ += "\r\n";
}

net::awaitable<bool> Session::write_chunk(std::string_view data) {
  if (data.empty()) {
    co_return true;  // an empty chunk would end the body
  }
  disarm_deadline();  // a keep-alive due now would go out in the middle of this write
  const bool written = co_await write_stream(data, false);
  if (written) {
    arm_keepalive();
  }
  co_return written;
}

net::awaitable<bool> Session::end_stream(std::string_view last_data) {
  disarm_deadline();
  co_return co_await write_stream(last_data, true);
}

// [held head] [chunk of `data`] [last chunk]: whatever applies, in one gather write.
net::awaitable<bool> Session::write_stream(std::string_view data, bool last) {
  const std::string head = std::move(pending_head_);
  pending_head_.clear();
  char size_line[24];
  size_t size_len = 0;
  if (http10_) {  // unframed: the data as it is, and the close (run()) ends it
    const std::array<net::const_buffer, 2> raw{net::buffer(head), net::buffer(data)};
    co_return co_await write_all(raw);
  }
  if (!data.empty()) {
    size_len = fmt::format_to_n(size_line, sizeof size_line, "{:x}\r\n", data.size()).size;
  }
  const std::string_view crlf = data.empty() ? std::string_view() : std::string_view("\r\n", 2);
  const std::string_view terminator = last ? std::string_view("0\r\n\r\n", 5) : std::string_view();
  const std::array<net::const_buffer, 5> bufs{net::buffer(head), net::buffer(size_line, size_len), net::buffer(data),
                                               net::buffer(crlf), net::buffer(terminator)};
  co_return co_await write_all(bufs);
}

template <size_t N>
net::awaitable<bool> Session::write_all(const std::array<net::const_buffer, N>& bufs) {
  beast::error_code ec;
  const size_t sent = send_now(socket_, bufs, ec);
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  if (sent == net::buffer_size(bufs)) {
    co_return true;
  }
  beast::buffers_suffix<std::array<net::const_buffer, N>> rest(bufs);
  rest.consume(sent);
  arm_deadline(worker_.app().cfg.write_timeout);  // a client that stops reading entirely
  auto [wec, n] = co_await net::async_write(socket_, rest, use_nothrow);
  disarm_deadline();
  if (wec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

}  // namespace gw
