#pragma once
// One pipelined connection to Redis, driven by Asio coroutines on one executor.
//
// Asio does the I/O and hiredis the protocol (resp.h). Commands are queued, written in batches
// and matched to replies in order, so any number of concurrent callers share one connection.
// Every wait is bounded: the connect (with AUTH and SELECT) by connect_timeout, a command by
// command_timeout from the moment it is written; a command that is not answered in time breaks
// the connection, and every awaited command then in flight fails (its effect unknown, it is never
// sent twice); fire-and-forget commands then in flight are sent again on the next connection, so
// they must be idempotent (SCRIPT LOAD, the limiter's releases). A lost connection is re-established with backoff (100 ms doubling to 2 s). While Redis is
// known to be unreachable, awaited commands fail at once instead of waiting: their callers decide
// what an outage means (the limiter fails open). Fire-and-forget commands (send_*) are kept, up to
// max_detached, until a connection takes them. After a failure (a failed connect, or a command not
// answered in time) awaited commands also fail at once during the reconnect attempts, until a
// connection is up again; only the first connect, and one after a clean loss, is waited for.
//
// Threading: the executor must run on one thread (an io_context with one thread, or a strand);
// every member function except start() must be called on it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/redis/redis_url.h"
#include "gw/redis/resp.h"
#include "gw/redis/script.h"

namespace gw::redis {

struct ClientOptions {
  RedisUrl url;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{500};
  size_t max_detached = 100000;
  // Told about errors nobody awaits (a failed fire-and-forget command, a lost connection); the
  // text never holds the password.
  std::function<void(const std::string&)> on_error;
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  // Creates the client and starts connecting on `ex`.
  static std::shared_ptr<Client> start(net::any_io_executor ex, ClientOptions opts);
  ~Client();

  // The reply (which may be a Redis error reply), or an Error when Redis could not be asked or did
  // not answer in time.
  net::awaitable<Result<Reply>> command(std::vector<std::string> args);
  net::awaitable<Result<Reply>> eval(const Script& script, std::vector<std::string> keys,
                                     std::vector<std::string> args);
  // Loads `script` now and on every later connection (SCRIPT LOAD before any queued command), so
  // that EVALSHA finds it after a Redis restart without the NOSCRIPT round trip, which would
  // let commands pipelined behind it overtake it.
  void preload(const Script& script);
  // Fire and forget: kept until written (a Redis error reply is reported to on_error).
  void send(std::vector<std::string> args);
  void send_eval(const Script& script, std::vector<std::string> keys, std::vector<std::string> args);

  // Gives queued fire-and-forget commands up to `drain` to reach Redis, then closes for good:
  // every command still waiting fails.
  net::awaitable<void> shutdown(std::chrono::milliseconds drain);

  const RedisUrl& url() const { return opts_.url; }
  const net::any_io_executor& executor() const { return ex_; }
  uint64_t connects() const { return connects_; }         // successful connects so far
  uint64_t dropped_detached() const { return dropped_; }  // fire-and-forget commands lost

 private:
  struct Pending;
  enum class State { Connecting, Up, Down, Stopped };

  Client(net::any_io_executor ex, ClientOptions opts);
  net::awaitable<void> run();
  net::awaitable<Result<void>> connect();
  net::awaitable<Result<void>> handshake();
  net::awaitable<void> read_loop();
  net::awaitable<void> write_loop();
  net::awaitable<void> watchdog();
  net::awaitable<Result<Reply>> await_pending(std::shared_ptr<Pending> p);
  void enqueue(std::shared_ptr<Pending> p);
  void complete(std::shared_ptr<Pending> p, Result<Reply> r);
  void fail_awaited_queued(const Error& e);
  void fail_inflight(const Error& e);
  void fail_all(const Error& e);
  void break_connection(std::string why);
  void report(const std::string& what) const;
  Error unavailable(const std::string& why) const;

  net::any_io_executor ex_;
  ClientOptions opts_;
  tcp::socket socket_;
  net::steady_timer wake_;      // the writer waits here for commands
  net::steady_timer backoff_;   // between connect attempts
  net::steady_timer watchdog_;  // checks the oldest command's deadline
  std::unique_ptr<ReplyReader> reader_;
  std::vector<const Script*> scripts_;              // preloaded on every connection
  std::deque<std::shared_ptr<Pending>> retry_;     // answered NOSCRIPT: re-sent as EVAL first
  std::deque<std::shared_ptr<Pending>> queued_;    // not yet written
  std::deque<std::shared_ptr<Pending>> inflight_;  // written, replies due in this order
  State state_ = State::Connecting;
  bool broken_ = false;  // the current connection is done for
  bool timed_out_ = false;  // ... because a command was not answered in time
  bool failing_ = false;  // a connect failed or Redis stopped answering; cleared once Up again
  std::string last_error_;
  uint64_t connects_ = 0;
  uint64_t dropped_ = 0;
  size_t detached_queued_ = 0;
};

}  // namespace gw::redis
