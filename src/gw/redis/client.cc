#include "gw/redis/client.h"

#include <algorithm>
#include <array>

namespace gw::redis {

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using net::experimental::awaitable_operators::operator||;

constexpr size_t kMaxBatchBytes = 64 * 1024;
constexpr auto kFirstBackoff = 100ms;
constexpr auto kMaxBackoff = 2000ms;

// EVALSHA sha numkeys keys... args..., encoded.
std::string evalsha_wire(const Script& script, std::vector<std::string>& keys, std::vector<std::string>& args) {
  std::vector<std::string> out;
  out.reserve(3 + keys.size() + args.size());
  out.emplace_back("EVALSHA");
  out.push_back(script.sha1);
  out.push_back(std::to_string(keys.size()));
  for (auto& k : keys) {
    out.push_back(std::move(k));
  }
  for (auto& a : args) {
    out.push_back(std::move(a));
  }
  return encode_command(out);
}

// The same command as EVAL with the script's source, built from the EVALSHA wire only when Redis
// answers NOSCRIPT, so that commands queued while Redis is away do not each hold a copy of the
// source. The two differ only in their first two bulk strings; the element count is the same.
std::string eval_wire(const Script& script, const std::string& evalsha) {
  const size_t count_len = evalsha.find("\r\n") + 2;                            // "*N\r\n"
  const size_t sha_part = encode_command({"EVALSHA", script.sha1}).size() - 4;  // less "*2\r\n"
  const std::string eval_part = encode_command({"EVAL", script.source}).substr(4);
  return evalsha.substr(0, count_len) + eval_part + evalsha.substr(count_len + sha_part);
}

// A coroutine of the `||` below was told to stop (another one ended).
net::awaitable<bool> cancelled() {
  auto cs = co_await net::this_coro::cancellation_state;
  co_return cs.cancelled() != net::cancellation_type::none;
}

}  // namespace

struct Client::Pending {
  std::string wire;
  const Script* script = nullptr;  // an EVALSHA, re-sent as EVAL on NOSCRIPT (eval_wire)
  bool as_eval = false;            // ... which it was
  bool detached = false;
  SteadyClock::time_point deadline{};  // set when written
  std::optional<Result<Reply>> result;
  std::optional<net::steady_timer> done;  // awaited: cancelled once `result` is set
};

std::shared_ptr<Client> Client::start(net::any_io_executor ex, ClientOptions opts) {
  std::shared_ptr<Client> c(new Client(ex, std::move(opts)));
  // run() ends only when shut down. Should it throw, the client stops for good and says so, rather
  // than leave commands waiting for a connection loop that is gone.
  net::co_spawn(ex, c->run(), [c](std::exception_ptr e) {
    if (!e) {
      return;
    }
    std::string what = "unknown error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    c->report("the Redis client stopped: " + what);
    c->state_ = State::Stopped;
    c->break_connection(what);
    c->fail_all(c->unavailable("the client stopped: " + what));
  });
  return c;
}

Client::Client(net::any_io_executor ex, ClientOptions opts)
    : ex_(ex), opts_(std::move(opts)), socket_(ex), wake_(ex), backoff_(ex), watchdog_(ex) {}

Client::~Client() = default;

void Client::report(const std::string& what) const {
  if (opts_.on_error) {
    opts_.on_error(what);
  }
}

Error Client::unavailable(const std::string& why) const {
  return make_error(Code::Unavailable, "Redis at " + opts_.url.redacted() + " is unavailable: " + why);
}

net::awaitable<Result<Reply>> Client::command(std::vector<std::string> args) {
  auto p = std::make_shared<Pending>();
  p->wire = encode_command(args);
  auto r = co_await await_pending(std::move(p));
  co_return r;
}

net::awaitable<Result<Reply>> Client::eval(const Script& script, std::vector<std::string> keys,
                                           std::vector<std::string> args) {
  auto p = std::make_shared<Pending>();
  p->script = &script;
  p->wire = evalsha_wire(script, keys, args);
  auto r = co_await await_pending(std::move(p));
  co_return r;
}

void Client::preload(const Script& script) {
  if (std::find(scripts_.begin(), scripts_.end(), &script) != scripts_.end()) {
    return;
  }
  scripts_.push_back(&script);
  if (state_ == State::Up) {
    send({"SCRIPT", "LOAD", script.source});
  }
}

void Client::send(std::vector<std::string> args) {
  auto p = std::make_shared<Pending>();
  p->wire = encode_command(args);
  p->detached = true;
  enqueue(std::move(p));
}

void Client::send_eval(const Script& script, std::vector<std::string> keys, std::vector<std::string> args) {
  auto p = std::make_shared<Pending>();
  p->script = &script;
  p->detached = true;
  p->wire = evalsha_wire(script, keys, args);
  enqueue(std::move(p));
}

net::awaitable<Result<Reply>> Client::await_pending(std::shared_ptr<Pending> p) {
  // Known down, or reconnecting after a failure: answer now rather than make every request wait
  // out a connect timeout. Only the very first connect (or one after a clean loss) is waited for.
  if (state_ == State::Stopped) {
    co_return unavailable("the client is shut down");
  }
  if (state_ == State::Down || (state_ == State::Connecting && failing_)) {
    co_return unavailable(last_error_ + "; not waiting for the reconnect");
  }
  p->done.emplace(ex_, SteadyClock::time_point::max());
  enqueue(p);
  while (!p->result) {
    co_await p->done->async_wait(use_nothrow);
    // Separate statements: g++ 12 miscompiles co_await inside && and ?: (see relay.cc).
    const bool stop = co_await cancelled();
    if (!p->result && stop) {
      co_return unavailable("the wait was cancelled");
    }
  }
  co_return std::move(*p->result);
}

void Client::enqueue(std::shared_ptr<Pending> p) {
  if (p->detached) {
    if (detached_queued_ >= opts_.max_detached) {
      // Redis has been away long enough to pile up this many: keep the newest.
      for (auto it = queued_.begin(); it != queued_.end(); ++it) {
        if ((*it)->detached) {
          queued_.erase(it);
          --detached_queued_;
          ++dropped_;
          break;
        }
      }
    }
    ++detached_queued_;
  }
  queued_.push_back(std::move(p));
  wake_.cancel();
}

void Client::complete(std::shared_ptr<Pending> p, Result<Reply> r) {
  if (r && r->is_error() && p->script != nullptr && !p->as_eval && r->str.starts_with("NOSCRIPT")) {
    // This server has not seen the script (never preloaded, or SCRIPT FLUSH): send its source.
    // Retries keep their order among themselves and go before anything not yet written.
    p->wire = eval_wire(*p->script, p->wire);
    p->as_eval = true;
    if (p->detached) {
      ++detached_queued_;
    }
    retry_.push_back(std::move(p));
    wake_.cancel();
    return;
  }
  if (p->detached) {
    if (!r) {
      ++dropped_;
      report("a fire-and-forget Redis command was lost: " + r.error().message);
    } else if (r->is_error()) {
      // A script error is a bug: reported every time, with the script's name.
      report("Redis refused a fire-and-forget " + (p->script != nullptr ? "'" + p->script->name + "' script" : std::string("command")) +
             ": " + r->str);
    }
    return;
  }
  p->result = std::move(r);
  if (p->done) {
    p->done->cancel();
  }
}

void Client::fail_awaited_queued(const Error& e) {
  std::deque<std::shared_ptr<Pending>> keep;
  for (auto& p : retry_) {
    if (p->detached) {
      keep.push_back(std::move(p));
    } else {
      complete(std::move(p), e);
    }
  }
  retry_.clear();
  for (auto& p : queued_) {
    if (p->detached) {
      keep.push_back(std::move(p));
    } else {
      complete(std::move(p), e);
    }
  }
  queued_ = std::move(keep);
}

void Client::fail_inflight(const Error& e) {
  auto lost = std::move(inflight_);
  inflight_.clear();
  std::deque<std::shared_ptr<Pending>> again;
  for (auto& p : lost) {
    if (p->detached) {
      again.push_back(std::move(p));
    } else {
      complete(std::move(p), e);
    }
  }
  // Sent, but whether Redis ran them is unknown: sent again, ahead of what is queued, on the next
  // connection (fire-and-forget commands are idempotent: client.h).
  detached_queued_ += again.size();
  for (auto it = again.rbegin(); it != again.rend(); ++it) {
    queued_.push_front(std::move(*it));
  }
}

void Client::break_connection(std::string why) {
  if (!broken_) {
    broken_ = true;
    last_error_ = std::move(why);
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  wake_.cancel();
  watchdog_.cancel();
}

net::awaitable<void> Client::run() {
  auto self = shared_from_this();
  std::chrono::milliseconds backoff{0};
  while (state_ != State::Stopped) {
    state_ = State::Connecting;
    broken_ = false;
    auto up = co_await connect();
    if (state_ == State::Stopped) {
      break;
    }
    if (!up) {
      state_ = State::Down;
      failing_ = true;
      last_error_ = up.error().message;
      boost::system::error_code ignored;
      socket_.close(ignored);
      fail_awaited_queued(unavailable(last_error_));
      backoff = std::clamp(backoff * 2, std::chrono::milliseconds(kFirstBackoff),
                           std::chrono::milliseconds(kMaxBackoff));
      backoff_.expires_after(backoff);
      co_await backoff_.async_wait(use_nothrow);
      continue;
    }
    state_ = State::Up;
    failing_ = false;
    backoff = std::chrono::milliseconds{0};
    ++connects_;
    co_await (read_loop() || write_loop() || watchdog());
    break_connection("the connection ended");
    if (state_ != State::Stopped) {
      report("lost the connection to Redis at " + opts_.url.redacted() + ": " + last_error_);
    }
    fail_inflight(unavailable("the connection was lost before the reply (" + last_error_ + ")"));
    if (timed_out_) {
      // Redis stopped answering: the next connect will likely hang too, so nothing waits for it.
      timed_out_ = false;
      failing_ = true;
      fail_awaited_queued(unavailable(last_error_ + "; not waiting for the reconnect"));
    }
  }
  fail_all(unavailable("the client is shut down"));
}

void Client::fail_all(const Error& e) {
  fail_inflight(e);
  auto rest = std::move(retry_);
  retry_.clear();
  for (auto& p : queued_) {
    rest.push_back(std::move(p));
  }
  queued_.clear();
  detached_queued_ = 0;
  for (auto& p : rest) {
    if (p->detached) {
      ++dropped_;  // shutdown() reported how many
    } else {
      complete(std::move(p), e);
    }
  }
}

net::awaitable<Result<void>> Client::connect() {
  net::steady_timer timer(ex_, opts_.connect_timeout);
  auto attempt = [this]() -> net::awaitable<Result<void>> {
    tcp::resolver resolver(ex_);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(opts_.url.host, std::to_string(opts_.url.port), use_nothrow);
    if (rec) {
      co_return make_error(Code::Unavailable, "cannot resolve " + opts_.url.host + ": " + rec.message());
    }
    socket_ = tcp::socket(ex_);
    auto [cec, ep] = co_await net::async_connect(socket_, endpoints, use_nothrow);
    if (cec) {
      co_return make_error(Code::Unavailable, "cannot connect: " + cec.message());
    }
    boost::system::error_code ignored;  // Nagle only delays: not worth failing the connect over
    socket_.set_option(tcp::no_delay(true), ignored);
    auto hs = co_await handshake();
    co_return hs;
  };
  auto r = co_await (attempt() || timer.async_wait(use_nothrow));
  if (r.index() == 1) {
    co_return make_error(Code::Unavailable,
                         "no connection within " + std::to_string(opts_.connect_timeout.count()) + " ms");
  }
  co_return std::get<0>(std::move(r));
}

// AUTH, SELECT and the preloaded scripts, pipelined, before any queued command. Redis's refusals never echo the password.
net::awaitable<Result<void>> Client::handshake() {
  reader_ = std::make_unique<ReplyReader>();
  std::string wire;
  int expected = 0;
  if (!opts_.url.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!opts_.url.username.empty()) {
      auth.push_back(opts_.url.username);
    }
    auth.push_back(opts_.url.password);
    wire += encode_command(auth);
    ++expected;
  }
  if (opts_.url.db != 0) {
    wire += encode_command({"SELECT", std::to_string(opts_.url.db)});
    ++expected;
  }
  for (const Script* script : scripts_) {
    wire += encode_command({"SCRIPT", "LOAD", script->source});
    ++expected;
  }
  if (expected == 0) {
    co_return Result<void>{};
  }
  auto [wec, wn] = co_await net::async_write(socket_, net::buffer(wire), use_nothrow);
  if (wec) {
    co_return make_error(Code::Unavailable, "cannot write to Redis: " + wec.message());
  }
  std::array<char, 4096> buf;
  while (expected > 0) {
    auto [ec, n] = co_await socket_.async_read_some(net::buffer(buf), use_nothrow);
    if (ec) {
      co_return make_error(Code::Unavailable, "Redis closed the connection during AUTH/SELECT: " + ec.message());
    }
    reader_->feed({buf.data(), n});
    for (;;) {
      auto r = reader_->next();
      if (!r) {
        co_return r.error();
      }
      if (!*r) {
        break;
      }
      if ((*r)->is_error()) {
        co_return make_error(Code::Unavailable, "Redis refused AUTH/SELECT/SCRIPT LOAD: " + (*r)->str);
      }
      --expected;
    }
  }
  co_return Result<void>{};
}

net::awaitable<void> Client::read_loop() {
  std::array<char, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await socket_.async_read_some(net::buffer(buf), use_nothrow);
    if (broken_) {
      co_return;
    }
    if (ec) {
      break_connection(ec == net::error::eof ? "Redis closed the connection" : ec.message());
      co_return;
    }
    reader_->feed({buf.data(), n});
    for (;;) {
      auto r = reader_->next();
      if (!r) {
        break_connection(r.error().message);
        co_return;
      }
      if (!*r) {
        break;
      }
      if (inflight_.empty()) {
        break_connection("Redis sent a reply no command asked for");
        co_return;
      }
      auto p = std::move(inflight_.front());
      inflight_.pop_front();
      complete(std::move(p), std::move(**r));
    }
  }
}

net::awaitable<void> Client::write_loop() {
  std::string batch;
  for (;;) {
    const bool stop = co_await cancelled();
    if (broken_ || stop) {
      co_return;
    }
    if (queued_.empty() && retry_.empty()) {
      wake_.expires_at(SteadyClock::time_point::max());
      co_await wake_.async_wait(use_nothrow);
      continue;
    }
    batch.clear();
    const auto deadline = SteadyClock::now() + opts_.command_timeout;
    while ((!retry_.empty() || !queued_.empty()) && batch.size() < kMaxBatchBytes) {
      auto& from = retry_.empty() ? queued_ : retry_;
      auto p = std::move(from.front());
      from.pop_front();
      if (p->detached) {
        --detached_queued_;
      }
      p->deadline = deadline;
      batch += p->wire;
      inflight_.push_back(std::move(p));
    }
    auto [ec, n] = co_await net::async_write(socket_, net::buffer(batch), use_nothrow);
    if (ec) {
      break_connection("cannot write to Redis: " + ec.message());
      co_return;
    }
  }
}

net::awaitable<void> Client::watchdog() {
  const auto tick = std::clamp(opts_.command_timeout / 4, std::chrono::milliseconds(5),
                               std::chrono::milliseconds(100));
  for (;;) {
    watchdog_.expires_after(tick);
    co_await watchdog_.async_wait(use_nothrow);
    const bool stop = co_await cancelled();
    if (broken_ || stop) {
      co_return;
    }
    if (!inflight_.empty() && inflight_.front()->deadline <= SteadyClock::now()) {
      timed_out_ = true;
      break_connection("no reply within " + std::to_string(opts_.command_timeout.count()) + " ms");
      co_return;
    }
  }
}

net::awaitable<void> Client::shutdown(std::chrono::milliseconds drain) {
  auto self = shared_from_this();
  const auto until = SteadyClock::now() + drain;
  net::steady_timer pause(ex_);
  auto detached_pending = [this] {
    if (detached_queued_ > 0) {
      return true;
    }
    for (const auto& p : inflight_) {
      if (p->detached) {
        return true;
      }
    }
    return false;
  };
  while (detached_pending() && state_ != State::Down && SteadyClock::now() < until) {
    pause.expires_after(5ms);
    co_await pause.async_wait(use_nothrow);
  }
  if (detached_queued_ > 0) {
    report(std::to_string(detached_queued_) + " fire-and-forget Redis commands were not sent before shutdown");
  }
  state_ = State::Stopped;
  break_connection("the client is shut down");
  backoff_.cancel();
}

}  // namespace gw::redis
