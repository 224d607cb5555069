#pragma once
// HTTP/1.1 client for upstream calls: keep-alive connection pool per (scheme, host, port), TLS with
// certificate verification against the system store, connect / first-byte / idle timeouts.
// One HttpClient per worker io_context (no locks on the hot path).
#include <chrono>
#include <memory>
#include <string>

#include "gw/common/asio.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"

namespace gw {

struct Timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds first_byte{60000};  // request sent -> response headers received
  std::chrono::milliseconds idle{60000};        // between two body reads
};

// A response whose headers have arrived and whose body is read incrementally.
class UpstreamExchange {
 public:
  virtual ~UpstreamExchange() = default;
  virtual unsigned status() const = 0;
  virtual const Headers& headers() const = 0;
  // Appends the next chunk of body bytes to `out`. Returns false at the end of the body.
  // Errors: UpstreamTimeout (idle), UpstreamError (reset, malformed framing).
  virtual net::awaitable<Result<bool>> read_some(std::string& out) = 0;
  // Reads the rest of the body, at most `limit` bytes (UpstreamError beyond).
  virtual net::awaitable<Result<std::string>> read_all(size_t limit) = 0;
  // The connection returns to the pool only if the body was read to its end and keep-alive holds;
  // otherwise destruction closes it.
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request and waits for the response headers. Connection failures are
  // UpstreamError (retryable), timeouts UpstreamTimeout (retryable). A stale pooled connection
  // that fails before any response byte is retried once on a fresh connection.
  virtual net::awaitable<Result<std::unique_ptr<UpstreamExchange>>> start(const UpstreamRequest& req,
                                                                          const Timeouts& t) = 0;
  // Shutdown: ends every upstream read and write in progress now (each fails as its timeout would)
  // and refuses new requests, so that calls still waiting on an upstream finish, and record their
  // usage, while the worker runs.
  virtual void shut_down() = 0;
};

struct HttpClientOptions {
  size_t max_idle_per_host = 64;
  std::chrono::seconds idle_keepalive{60};
  std::string ca_file;  // extra CA bundle (tests); the system store is always loaded
};

std::unique_ptr<HttpClient> make_http_client(net::any_io_executor ex, HttpClientOptions opts = {});

}  // namespace gw
