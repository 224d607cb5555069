// The upstream HTTP/1.1 client.
//
// Pool policy. Connections are pooled per (scheme, host, port) inside one HttpClient, which serves
// one worker io_context, so the pool needs no locks. A connection goes back to the pool only when
// its response body was read to the end, both sides allowed keep-alive (HTTP/1.1 without
// `Connection: close`), and no unread bytes follow the response; anything else (a body abandoned
// half way, an error, a timeout) closes it when the UpstreamExchange is destroyed, since the only
// way to reuse such a connection safely would be to drain an unbounded body. Idle connections are
// taken newest first (LIFO), so under light load a few warm connections serve everything and the
// rest age out; at most max_idle_per_host stay parked per key (the oldest is dropped on overflow),
// and one parked longer than idle_keepalive is closed by a sweep timer or when found on acquire.
// Before reuse a cheap non-blocking peek discards connections the server has already closed. The
// server may still close one in the instant between that peek and our request: if a reused
// connection then fails before the first response byte (EOF, reset, broken pipe), the request is
// sent once more on a fresh connection, transparently. A timeout on a reused connection is not
// retried: the server may be working on the request. A fresh connection is never retried here;
// whether to try again is the router's decision (the error says retryable).
#include "gw/upstream/http_client.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <unordered_map>

#include "gw/common/http_head.h"
#include "gw/upstream/conn_pool.h"
#include "gw/upstream/connection.h"
#include "gw/upstream/exchange.h"
#include "gw/upstream/target.h"
#include "gw/upstream/tls.h"

namespace gw {

namespace {

using upstream::Connection;
using upstream::ResponseParser;
using upstream::SteadyClock;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr std::string_view kUserAgent = "switchyard/" SWITCHYARD_VERSION;

Error retryable(Code code, std::string message) {
  Error e = make_error(code, std::move(message));
  e.retryable = true;
  return e;
}

// The wire request: its head as one string (the body is sent from the caller's buffer, which
// outlives start()), and whether it lets the connection be reused.
struct WireRequest {
  std::string head;
  bool keep_alive = true;
};

bool has_close_token(std::string_view v) {
  for (const auto& token : http::token_list{v}) {  // Connection: a comma-separated token list
    if (beast::iequals(token, "close")) {
      return true;
    }
  }
  return false;
}

Result<WireRequest> build_request(const UpstreamRequest& req, const upstream::Target& t) {
  WireRequest w;
  w.head.reserve(512 + req.url.size());
  if (!http_head::append_request_line(w.head, req.method, t.target)) {
    return make_error(Code::Internal, "invalid upstream request method or target");
  }
  if (beast::iequals(req.method, "TRACE") && !req.body.empty()) {
    return make_error(Code::Internal, "TRACE requests carry no body");
  }
  bool has_host = false;
  bool has_user_agent = false;
  bool has_accept_encoding = false;
  for (const auto& [name, value] : req.headers) {
    // A CR or LF would let a forwarded value smuggle headers. The value is never echoed: secrets.
    if (!http_head::valid_field_name(name) || !http_head::valid_field_value(value)) {
      return make_error(Code::InvalidRequest,
                        "upstream request header '" +
                            (http_head::valid_field_name(name) ? name : std::string("?")) + "' is malformed");
    }
    if (beast::iequals(name, "connection")) {
      w.keep_alive = w.keep_alive && !has_close_token(value);
      continue;
    }
    // We frame the body ourselves; a caller's framing headers could only contradict it.
    if (http_head::is_framing_field(name)) {
      continue;
    }
    has_host = has_host || beast::iequals(name, "host");
    has_user_agent = has_user_agent || beast::iequals(name, "user-agent");
    has_accept_encoding = has_accept_encoding || beast::iequals(name, "accept-encoding");
    http_head::append_field(w.head, name, value);
  }
  if (!has_host) {
    http_head::append_field(w.head, "Host", t.host_header);
  }
  if (!has_user_agent) {
    http_head::append_field(w.head, "User-Agent", kUserAgent);
  }
  // Bodies are read as they are sent, never decompressed; without this field any content coding
  // is acceptable (RFC 9110 12.5.3), and a compressing proxy in front of an upstream would answer
  // with gzip that no codec can read.
  if (!has_accept_encoding) {
    http_head::append_field(w.head, "Accept-Encoding", "identity");
  }
  // Content-Length when there is a body, and for methods that carry one always.
  if (!req.body.empty() || beast::iequals(req.method, "POST") || beast::iequals(req.method, "PUT") ||
      beast::iequals(req.method, "PATCH")) {
    http_head::append_content_length(w.head, req.body.size());
  }
  if (!w.keep_alive) {
    w.head += "Connection: close\r\n";
  }
  w.head += "\r\n";
  return w;
}

// The outcome of sending one request on one connection.
struct Sent {
  beast::error_code ec;
  bool got_response_bytes = false;
  bool written = false;  // the whole request went out: the error came while waiting for the answer
};

net::awaitable<Sent> send(Connection& conn,
                          const WireRequest& msg,
                          std::string_view body,
                          std::unique_ptr<ResponseParser>& parser,
                          bool head,
                          SteadyClock::time_point deadline) {
  if (auto ec = co_await conn.write(msg.head, body, deadline); ec) {
    co_return Sent{ec, false};
  }
  for (;;) {
    parser = std::make_unique<ResponseParser>();
    parser->header_limit(kHeaderLimit);
    parser->body_limit(boost::none);  // bodies stream through; read_all applies its own limit
    parser->skip(head);
    auto ec = co_await conn.read_header(*parser, deadline);
    if (ec) {
      co_return Sent{ec, parser->got_some() || conn.has_buffered_bytes(), true};
    }
    // Interim 1xx answers (103 Early Hints, a stray 100 Continue) precede the real one.
    const unsigned status = parser->get().result_int();
    if (status < 100 || status >= 200 || status == 101) {
      co_return Sent{};
    }
  }
}

bool stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == boost::asio::ssl::error::stream_truncated;
}

class HttpClientImpl final : public HttpClient {
 public:
  HttpClientImpl(net::any_io_executor ex, HttpClientOptions opts)
      : ex_(std::move(ex)),
        tls_(upstream::make_tls_context(opts.ca_file)),
        pool_(std::make_shared<upstream::ConnPool>(ex_, opts.max_idle_per_host, opts.idle_keepalive)),
        sweep_(std::make_shared<DeadlineSweep>(ex_)) {}

  net::awaitable<Result<std::unique_ptr<UpstreamExchange>>> start(const UpstreamRequest& req,
                                                                  const Timeouts& t) override {
    auto target = cached_target(req.url);
    if (!target) {
      co_return target.error();
    }
    auto msg = build_request(req, **target);
    if (!msg) {
      co_return msg.error();
    }
    const bool head = beast::iequals(req.method, "HEAD");
    const std::string where = (*target)->authority();
    const auto shutting_down = [&] {
      return make_error(Code::Unavailable, "upstream " + where + " not called: the gateway is shutting down");
    };
    if (shut_down_) {
      co_return shutting_down();
    }

    for (int attempt = 0;; ++attempt) {
      // The retry takes a fresh connection: another parked one is likely just as stale.
      std::unique_ptr<Connection> conn = attempt == 0 ? pool_->acquire((*target)->pool_key) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) {
        auto opened = co_await Connection::open(ex_, **target, *tls_, t.connect, sweep_);
        if (!opened) {
          co_return opened.error();
        }
        conn = std::move(*opened);
        if (shut_down_) {  // while connecting: nothing was sent yet
          co_return shutting_down();
        }
      }
      std::unique_ptr<ResponseParser> parser;
      const auto sent = co_await send(*conn, *msg, req.body, parser, head, SteadyClock::now() + t.first_byte);
      if (!sent.ec) {
        co_return std::make_unique<upstream::Exchange>(pool_, std::move(conn), std::move(parser), where,
                                                       t.idle, msg->keep_alive);
      }
      conn->close();
      if (reused && attempt == 0 && !sent.got_response_bytes && stale_connection_error(sent.ec)) {
        continue;
      }
      Error e;
      if (sent.ec == beast::error::timeout) {
        e = retryable(Code::UpstreamTimeout, "upstream " + where + " sent no response headers within " +
                                                 std::to_string(t.first_byte.count()) + " ms");
      } else if (sent.ec == http::error::header_limit) {
        e = retryable(Code::UpstreamError, "upstream " + where + " response headers exceed " +
                                               std::to_string(kHeaderLimit / 1024) + " KiB");
      } else {
        e = retryable(Code::UpstreamError,
                      "upstream " + where + " failed before response headers: " + sent.ec.message());
      }
      e.request_sent = sent.written;
      co_return e;
    }
  }

  void shut_down() override {
    shut_down_ = true;
    sweep_->expire_all();
  }

 private:
  // Deployment URLs repeat on every request; parsing one with Boost.URL costs more than the lookup.
  // Bounded: a provider that puts request data into its URLs cannot grow it without limit.
  // Shared, so that a target in use survives the cache being cleared by another request.
  Result<std::shared_ptr<const upstream::Target>> cached_target(const std::string& url) {
    if (auto it = targets_.find(url); it != targets_.end()) {
      return it->second;
    }
    auto parsed = upstream::parse_target(url);
    if (!parsed) {
      return parsed.error();
    }
    if (targets_.size() >= kMaxCachedTargets) {
      targets_.clear();
    }
    auto t = std::make_shared<const upstream::Target>(std::move(*parsed));
    targets_.emplace(url, t);
    return t;
  }

  static constexpr size_t kMaxCachedTargets = 1024;
  std::unordered_map<std::string, std::shared_ptr<const upstream::Target>> targets_;  // this worker's only: no lock
  net::any_io_executor ex_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<upstream::ConnPool> pool_;
  // Upstream read/write deadlines; shared with the connections, which may outlive this client in
  // the pool or in an exchange.
  std::shared_ptr<DeadlineSweep> sweep_;
  bool shut_down_ = false;
};

}  // namespace

std::unique_ptr<HttpClient> make_http_client(net::any_io_executor ex, HttpClientOptions opts) {
  return std::make_unique<HttpClientImpl>(std::move(ex), std::move(opts));
}

}  // namespace gw
