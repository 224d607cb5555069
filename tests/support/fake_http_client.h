#pragma once
// A scripted fake HttpClient (no sockets) for code that calls token endpoints and the like, and a
// helper that runs one coroutine to completion.
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/upstream/http_client.h"

namespace gw::fake_http {

struct FakeReply {
  Result<unsigned> status = 200u;  // an error here fails start() (connection refused etc.)
  std::string body;
  int delay_ms = 0;  // the exchange waits this long (real time) before answering: concurrency
};

class FakeExchange final : public UpstreamExchange {
 public:
  FakeExchange(unsigned status, std::string body) : status_(status), body_(std::move(body)) {}
  unsigned status() const override { return status_; }
  const Headers& headers() const override { return headers_; }
  net::awaitable<Result<bool>> read_some(std::string& out) override {
    if (done_) {
      co_return false;
    }
    out += body_;
    done_ = true;
    co_return true;
  }
  net::awaitable<Result<std::string>> read_all(size_t limit) override {
    if (body_.size() > limit) {
      co_return make_error(Code::UpstreamError, "body too large");
    }
    done_ = true;
    co_return body_;
  }

 private:
  unsigned status_;
  Headers headers_{{"content-type", "application/json"}};
  std::string body_;
  bool done_ = false;
};

// Answers start() from a queue of scripted replies (the last one repeats) and records requests.
class FakeHttpClient final : public HttpClient {
 public:
  std::vector<UpstreamRequest> requests;
  std::deque<FakeReply> replies;

  net::awaitable<Result<std::unique_ptr<UpstreamExchange>>> start(const UpstreamRequest& req,
                                                                  const Timeouts&) override {
    requests.push_back(req);
    FakeReply r = replies.empty() ? FakeReply{} : replies.front();
    if (replies.size() > 1) {
      replies.pop_front();
    }
    if (r.delay_ms > 0) {
      net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(r.delay_ms));
      co_await t.async_wait(use_nothrow);
    }
    if (!r.status) {
      co_return r.status.error();
    }
    co_return std::unique_ptr<UpstreamExchange>(std::make_unique<FakeExchange>(*r.status, r.body));
  }
  void shut_down() override {}
};

// Runs a coroutine to completion on a fresh io_context and returns its result.
template <class T>
T run(std::function<net::awaitable<T>()> f) {
  net::io_context io;
  std::optional<T> out;
  net::co_spawn(
      io, [&]() -> net::awaitable<void> { out.emplace(co_await f()); },
      [](std::exception_ptr e) {
        if (e) {
          std::rethrow_exception(e);
        }
      });
  io.run();
  return std::move(*out);
}

}  // namespace gw::fake_http
