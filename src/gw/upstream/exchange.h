#pragma once
// The UpstreamExchange the client hands out: response headers now, body on demand.
#include <memory>
#include <optional>
#include <string>

#include "gw/upstream/conn_pool.h"
#include "gw/upstream/connection.h"
#include "gw/upstream/http_client.h"

namespace gw::upstream {

class Exchange final : public UpstreamExchange {
 public:
  Exchange(std::weak_ptr<ConnPool> pool,
           std::unique_ptr<Connection> conn,
           std::unique_ptr<ResponseParser> parser,
           std::string authority,
           std::chrono::milliseconds idle,
           bool request_keep_alive);
  ~Exchange() override;

  unsigned status() const override { return status_; }
  const Headers& headers() const override { return headers_; }
  net::awaitable<Result<bool>> read_some(std::string& out) override;
  net::awaitable<Result<std::string>> read_all(size_t limit) override;

 private:
  // Called once the body is complete: parks the connection if keep-alive holds, else closes it.
  void finish();
  Error fail(Error e);

  std::weak_ptr<ConnPool> pool_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<ResponseParser> parser_;
  std::string authority_;
  std::chrono::milliseconds idle_;
  bool request_keep_alive_;
  unsigned status_ = 0;
  Headers headers_;
  bool done_ = false;
  std::unique_ptr<char[]> scratch_;  // chunked bodies are parsed here, then appended (no zero-fill)
  std::optional<Error> error_;  // sticky: a failed body stays failed
};

}  // namespace gw::upstream
