#pragma once
// A thin RAII wrapper over libpq (design.md: storage/ holds wrappers only, no policy).
// Errors are values, and no message this file produces ever contains the connection's password:
// libpq's own messages are scrubbed of it, and connections are named by redact_url().
// A PgConnection is used by one thread at a time; callers that share one hold a mutex.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/result.h"

struct pg_conn;
struct pg_result;

namespace gw::storage {

// true for the URL schemes libpq accepts as a connection string (postgres://, postgresql://).
bool is_postgres_url(std::string_view url);

// The URL without its password, for messages: "postgres://user@host:port/db". The userinfo ends at
// the LAST '@' before any '?', so a password may hold '/', '@', ':', '#', '+' and '='. Never fails:
// what cannot be parsed is shown as "postgres://(unparsable URL)", and a URL with an '@' after
// its '?' (which part is the password?) as "postgres://(redacted)".
std::string redact_url(std::string_view url);

// Parameters travel as text (PostgreSQL parses them by the statement's types); nullopt is NULL.
using PgParam = std::optional<std::string>;

class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(pg_result* r) : r_(r, &clear) {}

  int rows() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  int64_t int64(int row, int col) const;  // 0 for NULL
  std::optional<int64_t> optional_int64(int row, int col) const;

 private:
  static void clear(pg_result* r);
  std::shared_ptr<pg_result> r_;
};

// Client-side bounds on waiting for the server, for callers that must not block long when it is
// slow or unreachable. A blackholed host answers nothing: without them a connect waits out
// connect_timeout, and a statement on an established connection waits for TCP to give up
// (minutes). The server is also told to cancel a statement after `query` (statement_timeout).
struct PgBounds {
  std::chrono::milliseconds connect;  // the whole connection attempt, startup and authentication
  std::chrono::milliseconds query;    // one exec(): sending the statement and reading its answer
};

class PgConnection {
 public:
  // Connects (application_name names the connection in pg_stat_activity). Unbounded, connect_timeout
  // is 10 s unless the URL says otherwise.
  static Result<PgConnection> open(const std::string& url, std::string_view application_name);
  // The same within `bounds`; the connection keeps them for every exec() and reconnect().
  static Result<PgConnection> open(const std::string& url, std::string_view application_name,
                                   PgBounds bounds);

  PgConnection() = default;
  PgConnection(PgConnection&& o) noexcept;
  PgConnection& operator=(PgConnection&& o) noexcept;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Bounds every later exec() and reconnect() of this connection (e.g. once migrations, which may
  // wait on another process's lock, are done), and sets the session's statement_timeout. They
  // bound prepare() and exec_prepared() too.
  Result<void> set_bounds(PgBounds bounds);

  // One or more statements without parameters (the simple query protocol).
  Result<PgRows> exec(std::string_view sql);
  // One statement with $1.. parameters.
  Result<PgRows> exec(std::string_view sql, const std::vector<PgParam>& params);
  // true if the last exec() or connection attempt ran out of its bounds; the connection was then
  // closed (an answer might still arrive on it), so the next use must reconnect.
  bool timed_out() const { return timed_out_; }
  // Runs `sql` now and again on every reconnect(): session settings (SET ...).
  Result<void> exec_on_every_connect(std::string sql);
  // Prepares a named statement; it is prepared again by reconnect().
  Result<void> prepare(const std::string& name, const std::string& sql);
  Result<PgRows> exec_prepared(const std::string& name, const std::vector<PgParam>& params);

  // false once the server or the network dropped the connection.
  bool connected() const;
  // Makes a dropped connection usable again (a fresh session, its statements prepared again). If
  // any step fails the fresh session is closed too: connected() stays false until one succeeds.
  Result<void> reconnect();
  // Closes the session (its state is in doubt); the next ensure_connected() starts a fresh one.
  void disconnect();
  // Reconnects only if the connection was dropped: call before using a long-lived connection.
  Result<void> ensure_connected();

  int backend_pid() const;
  // The SQLSTATE of the last failed statement ("23505": unique violation), "" if none failed.
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& name() const { return name_; }  // the redacted URL

 private:
  static Result<PgConnection> connect(const std::string& url, std::string_view application_name,
                                      std::optional<PgBounds> bounds, bool* timed_out);
  Error error(std::string_view what, std::string_view detail) const;
  Result<PgRows> check(pg_result* r, std::string_view what);
  // exec() within bounds_: `send` queues the statement (PQsendQuery or PQsendQueryParams).
  template <class Send>
  Result<PgRows> exec_bounded(Send send);
  Error time_out(std::string_view what, std::chrono::milliseconds bound);

  pg_conn* conn_ = nullptr;
  std::string url_;
  std::string app_name_;
  std::string name_;
  std::vector<std::string> secrets_;  // scrubbed from every message
  std::string last_sqlstate_;
  std::vector<std::string> session_sql_;
  std::vector<std::pair<std::string, std::string>> prepared_;
  std::optional<PgBounds> bounds_;
  bool timed_out_ = false;
  bool ambiguous_ = false;  // the URL's userinfo could be read two ways: libpq's texts withheld
};

}  // namespace gw::storage
