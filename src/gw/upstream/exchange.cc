#include "gw/upstream/exchange.h"

#include <algorithm>

namespace gw::upstream {

namespace {

// Bytes asked of the parser per step. Larger reads only delay the first bytes of a stream.
constexpr size_t kReadChunk = 16 * 1024;

}  // namespace

Exchange::Exchange(std::weak_ptr<ConnPool> pool,
                   std::unique_ptr<Connection> conn,
                   std::unique_ptr<ResponseParser> parser,
                   std::string authority,
                   std::chrono::milliseconds idle,
                   bool request_keep_alive)
    : pool_(std::move(pool)),
      conn_(std::move(conn)),
      parser_(std::move(parser)),
      authority_(std::move(authority)),
      idle_(idle),
      request_keep_alive_(request_keep_alive) {
  const auto& msg = parser_->get();
  status_ = msg.result_int();
  headers_.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
  for (const auto& f : msg) {
    headers_.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
}

Exchange::~Exchange() {
  // A body without bytes (204, HEAD, content-length: 0) is complete without a read.
  if (conn_ && !error_ && parser_->is_done()) {
    finish();
  }
  if (conn_) {
    conn_->close();
  }
}

void Exchange::finish() {
  done_ = true;
  auto conn = std::move(conn_);
  auto pool = pool_.lock();
  if (pool && request_keep_alive_ && parser_->keep_alive()) {
    pool->release(std::move(conn));
    return;
  }
  conn->close();
}

Error Exchange::fail(Error e) {
  e.retryable = true;  // nothing of this body is trustworthy; another deployment may do better
  error_ = e;
  if (conn_) {
    conn_->close();
    conn_.reset();
  }
  return e;
}

net::awaitable<Result<bool>> Exchange::read_some(std::string& out) {
  if (error_) {
    co_return *error_;
  }
  if (done_) {
    co_return false;
  }
  const size_t before = out.size();
  for (;;) {
    if (parser_->is_done()) {
      finish();
      co_return out.size() > before;
    }
    // With a known length the parser writes straight into `out`, sized to what is left (growing a
    // string zero-fills it). Otherwise it writes into a scratch chunk that is appended.
    const size_t at = out.size();
    const auto remaining = parser_->content_length_remaining();
    const size_t want = remaining ? std::min<size_t>(kReadChunk, std::max<uint64_t>(*remaining, 1)) : kReadChunk;
    char* dst = nullptr;
    if (remaining) {
      out.resize(at + want);
      dst = out.data() + at;
    } else {
      if (!scratch_) {
        scratch_.reset(new char[kReadChunk]);
      }
      dst = scratch_.get();
    }
    auto& body = parser_->get().body();
    body.data = dst;
    body.size = want;
    const auto ec = co_await conn_->read_some(*parser_, idle_);
    const size_t got = want - body.size;
    if (remaining) {
      out.resize(at + got);
    } else {
      out.append(dst, got);
    }
    body.data = nullptr;
    body.size = 0;
    if (ec == beast::error::timeout) {
      co_return fail(make_error(Code::UpstreamTimeout, "upstream " + authority_ + " sent no body bytes for " +
                                                           std::to_string(idle_.count()) + " ms"));
    }
    if (ec) {
      co_return fail(make_error(Code::UpstreamError,
                                "upstream " + authority_ + " body read failed: " + ec.message()));
    }
    if (out.size() > before) {
      if (parser_->is_done()) {
        finish();
      }
      co_return true;
    }
  }
}

net::awaitable<Result<std::string>> Exchange::read_all(size_t limit) {
  std::string body;
  auto too_large = [&] {
    Error e = fail(make_error(Code::UpstreamError, "upstream " + authority_ + " response body exceeds " +
                                                       std::to_string(limit) + " bytes"));
    e.retryable = false;  // the same request would likely get the same answer elsewhere too
    error_ = e;
    return e;
  };
  if (!error_ && !done_) {
    if (auto len = parser_->content_length_remaining(); len && *len > limit) {
      co_return too_large();
    }
  }
  for (;;) {
    auto more = co_await read_some(body);
    if (!more) {
      co_return more.error();
    }
    if (body.size() > limit) {
      co_return too_large();
    }
    if (!*more) {
      co_return body;
    }
  }
}

}  // namespace gw::upstream
