#include "gw/storage/postgres.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>

#include "gw/common/clock.h"
#include "gw/common/percent.h"

namespace gw::storage {

namespace {

struct ConninfoDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
using Conninfo = std::unique_ptr<PQconninfoOption, ConninfoDeleter>;

Conninfo parse_conninfo(const std::string& url) {
  char* err = nullptr;
  Conninfo opts(PQconninfoParse(url.c_str(), &err));
  PQfreemem(err);  // its text may quote the URL: never shown
  return opts;
}

std::string option(const Conninfo& opts, std::string_view keyword) {
  for (const PQconninfoOption* o = opts.get(); o != nullptr && o->keyword != nullptr; ++o) {
    if (keyword == o->keyword && o->val != nullptr) {
      return o->val;
    }
  }
  return "";
}

// What a password decodes to for libpq, or itself when an escape is malformed (libpq then refuses
// the URL anyway; both forms are scrubbed from messages).
std::string decoded_or_raw(std::string_view s) { return percent_decode(s).value_or(std::string(s)); }

// A postgres:// URL split the way its writer meant it. libpq ends the userinfo at the first '@' or
// '/', so an unencoded base64 password ("abc/def+ghi=") or one holding '@' was read as host, port
// or database and quoted whole in messages. Here the userinfo runs from "://" to the LAST '@'
// before any '?'. A URL with an '@' after its '?' is ambiguous (the password may hold the '?'):
// it is never shown, and libpq's texts about it are withheld.
struct UrlParts {
  bool uri = false;        // scheme://..., rather than "key=value" pairs
  bool ambiguous = false;
  bool has_userinfo = false;
  std::string scheme;      // up to and including "://"
  std::string user;        // as written (percent-encoded or not)
  std::optional<std::string> password;
  std::string rest;        // host, port, database and query: after the userinfo's '@'
  std::string ambiguous_tail;  // for an ambiguous URL: from after the user's ':' to its last '@'
};

UrlParts split_url(const std::string& url) {
  UrlParts p;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return p;
  }
  p.uri = true;
  const size_t start = scheme_end + 3;
  p.scheme = url.substr(0, start);
  const size_t q = url.find('?', start);
  if (q != std::string::npos && url.find('@', q) != std::string::npos) {
    p.ambiguous = true;
    const std::string_view all = std::string_view(url).substr(start, url.rfind('@') - start);
    const size_t colon = all.find(':');
    p.ambiguous_tail = std::string(colon == std::string_view::npos ? all : all.substr(colon + 1));
    return p;
  }
  const std::string_view head = std::string_view(url).substr(start, q == std::string::npos ? q : q - start);
  const size_t at = head.rfind('@');
  if (at == std::string_view::npos) {
    p.rest = url.substr(start);
    return p;
  }
  p.has_userinfo = true;
  const std::string_view userinfo = head.substr(0, at);
  const size_t colon = userinfo.find(':');
  p.user = std::string(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) {
    p.password = std::string(userinfo.substr(colon + 1));
  }
  p.rest = url.substr(start + at + 1);
  return p;
}

// Encodes what libpq would read as the end of the userinfo (or of the password); '%' stays, so a
// password that is already percent-encoded means what it meant.
std::string encode_userinfo_part(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if (c == '/' || c == '@' || c == '?' || c == '#' || c == ':') {
      out += '%';
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      out += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// The URL as libpq must read it: the userinfo re-encoded so that libpq splits it where we do.
std::string libpq_url(const std::string& url) {
  const UrlParts p = split_url(url);
  if (!p.has_userinfo) {
    return url;
  }
  std::string out = p.scheme + encode_userinfo_part(p.user);
  if (p.password) {
    out += ":" + encode_userinfo_part(*p.password);
  }
  return out + "@" + p.rest;
}

// Every spelling of the password the URL carries: libpq's parse, and a parse of our own so that
// even a URL libpq rejects (whose error could quote it) has its password known.
std::vector<std::string> secrets_of(const std::string& url) {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (!s.empty()) {
      out.push_back(std::move(s));
    }
  };
  const UrlParts p = split_url(url);
  if (p.password) {
    add(*p.password);
    add(decoded_or_raw(*p.password));
    add(encode_userinfo_part(*p.password));
  }
  add(p.ambiguous_tail);
  if (auto opts = parse_conninfo(p.ambiguous ? url : libpq_url(url))) {
    add(option(opts, "password"));
  }
  for (size_t q = url.find("password="); q != std::string::npos; q = url.find("password=", q + 1)) {
    const size_t v = q + 9;
    const std::string_view value = std::string_view(url).substr(v, url.find('&', v) - v);
    add(std::string(value));
    add(decoded_or_raw(value));
  }
  // Longest first, so that a password holding another spelling is replaced whole.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    for (size_t p = text.find(s); p != std::string::npos; p = text.find(s, p + 3)) {
      text.replace(p, s.size(), "***");
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// libpq prints NOTICEs ("relation already exists, skipping") to stderr, where the gateway writes
// only JSON lines.
void ignore_notice(void*, const char*) {}

std::vector<const char*> values_of(const std::vector<PgParam>& params) {
  std::vector<const char*> v;
  v.reserve(params.size());
  for (const auto& p : params) {
    v.push_back(p ? p->c_str() : nullptr);
  }
  return v;
}

SteadyTime deadline_after(std::chrono::milliseconds d) { return real_clock().steady_now() + d; }

// Waits until `fd` is ready for `events` (or has an error for libpq to report): false once the
// deadline has passed.
bool wait_socket(int fd, short events, SteadyTime deadline) {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - real_clock().steady_now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0 || (r < 0 && errno != EINTR)) {
      return true;
    }
  }
}

// PQconnectdbParams, but giving up at the deadline (libpq's own connect_timeout is per host and
// whole seconds, at least 2). Returns null with *timed_out set when the deadline passed.
pg_conn* connect_until(const char* const* keys, const char* const* vals, SteadyTime deadline,
                       bool* timed_out) {
  pg_conn* c = PQconnectStartParams(keys, vals, 1);
  if (c == nullptr || PQstatus(c) == CONNECTION_BAD) {
    return c;
  }
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;  // as libpq's documentation starts the loop
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    const short events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!wait_socket(PQsocket(c), events, deadline)) {
      PQfinish(c);
      *timed_out = true;
      return nullptr;
    }
    st = PQconnectPoll(c);
  }
  return c;
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

std::string redact_url(std::string_view url) {
  if (split_url(std::string(url)).ambiguous) {
    return "postgres://(redacted)";
  }
  auto opts = parse_conninfo(libpq_url(std::string(url)));
  if (!opts) {
    return "postgres://(unparsable URL)";
  }
  std::string out = "postgres://";
  if (auto user = option(opts, "user"); !user.empty()) {
    out += user + "@";
  }
  out += option(opts, "host");
  if (auto port = option(opts, "port"); !port.empty()) {
    out += ":" + port;
  }
  out += "/" + option(opts, "dbname");
  return scrub(std::move(out), secrets_of(std::string(url)));
}

void PgRows::clear(pg_result* r) { PQclear(r); }

int PgRows::rows() const { return r_ ? PQntuples(r_.get()) : 0; }

bool PgRows::is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

std::string PgRows::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
}

int64_t PgRows::int64(int row, int col) const {
  return is_null(row, col) ? 0 : std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

std::optional<int64_t> PgRows::optional_int64(int row, int col) const {
  if (is_null(row, col)) {
    return std::nullopt;
  }
  return int64(row, col);
}

Result<PgConnection> PgConnection::open(const std::string& url, std::string_view application_name) {
  return connect(url, application_name, std::nullopt, nullptr);
}

Result<PgConnection> PgConnection::open(const std::string& url, std::string_view application_name,
                                        PgBounds bounds) {
  return connect(url, application_name, bounds, nullptr);
}

Result<PgConnection> PgConnection::connect(const std::string& url, std::string_view application_name,
                                           std::optional<PgBounds> bounds, bool* timed_out) {
  PgConnection c;
  c.url_ = url;
  c.app_name_ = std::string(application_name);
  c.name_ = redact_url(url);
  c.secrets_ = secrets_of(url);
  c.bounds_ = bounds;
  c.ambiguous_ = split_url(url).ambiguous;
  const std::string target = libpq_url(url);
  // The server cancels a bounded statement itself too, rather than working on for a client that
  // has given up on it.
  const std::string server_options =
      bounds ? "-c statement_timeout=" + std::to_string(bounds->query.count()) : std::string();
  // Later keywords win, so the URL (expanded in place of dbname) may override the ones before it.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "options", "dbname", nullptr};
  const char* vals[] = {"10", c.app_name_.c_str(), "UTF8", server_options.c_str(), target.c_str(), nullptr};
  if (bounds) {
    bool late = false;
    c.conn_ = connect_until(keys, vals, deadline_after(bounds->connect), &late);
    if (late) {
      if (timed_out != nullptr) {
        *timed_out = true;
      }
      return c.error("cannot connect", "no answer within " + std::to_string(bounds->connect.count()) + " ms");
    }
  } else {
    c.conn_ = PQconnectdbParams(keys, vals, 1);
  }
  if (c.conn_ == nullptr) {
    return c.error("cannot connect", "out of memory");
  }
  if (PQstatus(c.conn_) != CONNECTION_OK) {
    if (c.ambiguous_) {  // libpq split the URL elsewhere than we did: its text may quote any part
      return c.error("cannot connect",
                     "details withheld: the URL is ambiguous (percent-encode '@', '/', '?' and '#' in the password)");
    }
    return c.error("cannot connect", PQerrorMessage(c.conn_));
  }
  PQsetNoticeProcessor(c.conn_, &ignore_notice, nullptr);
  if (bounds) {
    PQsetnonblocking(c.conn_, 1);  // sending never blocks either (and PQfinish's goodbye neither)
  }
  return c;
}

PgConnection::PgConnection(PgConnection&& o) noexcept
    : conn_(o.conn_),
      url_(std::move(o.url_)),
      app_name_(std::move(o.app_name_)),
      name_(std::move(o.name_)),
      secrets_(std::move(o.secrets_)),
      session_sql_(std::move(o.session_sql_)),
      prepared_(std::move(o.prepared_)),
      bounds_(o.bounds_),
      timed_out_(o.timed_out_),
      ambiguous_(o.ambiguous_) {
  o.conn_ = nullptr;
}

PgConnection& PgConnection::operator=(PgConnection&& o) noexcept {
  if (this != &o) {
    PQfinish(conn_);
    conn_ = o.conn_;
    o.conn_ = nullptr;
    url_ = std::move(o.url_);
    app_name_ = std::move(o.app_name_);
    name_ = std::move(o.name_);
    secrets_ = std::move(o.secrets_);
    session_sql_ = std::move(o.session_sql_);
    prepared_ = std::move(o.prepared_);
    bounds_ = o.bounds_;
    timed_out_ = o.timed_out_;
    ambiguous_ = o.ambiguous_;
  }
  return *this;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Error PgConnection::error(std::string_view what, std::string_view detail) const {
  return make_error(Code::Internal,
                    scrub("postgres " + name_ + ": " + std::string(what) + ": " + std::string(detail),
                          secrets_));
}

Result<PgRows> PgConnection::check(pg_result* r, std::string_view what) {
  last_sqlstate_.clear();
  if (r == nullptr) {
    return error(what, PQerrorMessage(conn_));
  }
  PgRows rows(r);
  const auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE); state != nullptr) {
      last_sqlstate_ = state;
    }
    return error(what, PQresultErrorMessage(r));
  }
  return rows;
}

Error PgConnection::time_out(std::string_view what, std::chrono::milliseconds bound) {
  // Its state is unknown (a late answer may still come), so it is not used again.
  PQfinish(conn_);
  conn_ = nullptr;
  timed_out_ = true;
  return error(what, "no answer within " + std::to_string(bound.count()) + " ms");
}

Result<void> PgConnection::set_bounds(PgBounds bounds) {
  bounds_ = bounds;
  if (conn_ == nullptr) {
    return {};  // the next reconnect() applies them
  }
  PQsetnonblocking(conn_, 1);
  // What connect() passes in `options` for a fresh session.
  if (auto r = exec("SET statement_timeout = " + std::to_string(bounds.query.count())); !r) {
    return r.error();
  }
  return {};
}

template <class Send>
Result<PgRows> PgConnection::exec_bounded(Send send) {
  const SteadyTime deadline = deadline_after(bounds_->query);
  if (send() == 0) {
    return check(nullptr, "query");
  }
  // In non-blocking mode the statement may wait in libpq's buffer until the socket takes it; the
  // server's answers are read meanwhile, as libpq's documentation asks.
  for (int left = PQflush(conn_); left != 0; left = PQflush(conn_)) {
    if (left < 0) {
      return check(nullptr, "query");
    }
    if (!wait_socket(PQsocket(conn_), POLLIN | POLLOUT, deadline)) {
      return time_out("query", bounds_->query);
    }
    if (PQconsumeInput(conn_) == 0) {
      return check(nullptr, "query");
    }
  }
  // Every result up to the end, as PQexec reads them: the first error, or else the last result.
  pg_result* kept = nullptr;
  while (true) {
    while (PQisBusy(conn_) != 0) {
      if (!wait_socket(PQsocket(conn_), POLLIN, deadline)) {
        PQclear(kept);
        return time_out("query", bounds_->query);
      }
      if (PQconsumeInput(conn_) == 0) {
        PQclear(kept);
        return check(nullptr, "query");
      }
    }
    pg_result* r = PQgetResult(conn_);
    if (r == nullptr) {
      break;
    }
    const auto status = PQresultStatus(kept);
    if (kept != nullptr && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      PQclear(r);  // an error came first: keep it
    } else {
      PQclear(kept);
      kept = r;
    }
  }
  return check(kept, "query");
}

Result<PgRows> PgConnection::exec(std::string_view sql) {
  timed_out_ = false;
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  const std::string text(sql);
  if (bounds_) {
    return exec_bounded([&] { return PQsendQuery(conn_, text.c_str()); });
  }
  return check(PQexec(conn_, text.c_str()), "query");
}

Result<PgRows> PgConnection::exec(std::string_view sql, const std::vector<PgParam>& params) {
  timed_out_ = false;
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  const std::string text(sql);
  const auto values = values_of(params);
  const int n = static_cast<int>(values.size());
  if (bounds_) {
    return exec_bounded(
        [&] { return PQsendQueryParams(conn_, text.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0); });
  }
  return check(PQexecParams(conn_, text.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0), "query");
}

Result<void> PgConnection::exec_on_every_connect(std::string sql) {
  if (auto r = exec(sql); !r) {
    return r.error();
  }
  session_sql_.push_back(std::move(sql));
  return {};
}

Result<void> PgConnection::prepare(const std::string& name, const std::string& sql) {
  timed_out_ = false;
  if (conn_ == nullptr) {
    return error("prepare", "not connected");
  }
  auto r = bounds_ ? exec_bounded([&] { return PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr); })
                   : check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), "prepare " + name);
  if (!r) {
    return r.error();
  }
  prepared_.emplace_back(name, sql);
  return {};
}

Result<PgRows> PgConnection::exec_prepared(const std::string& name, const std::vector<PgParam>& params) {
  timed_out_ = false;
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  const auto values = values_of(params);
  const int n = static_cast<int>(values.size());
  if (bounds_) {  // a blackholed server must not hold the ledger's writer for minutes
    return exec_bounded(
        [&] { return PQsendQueryPrepared(conn_, name.c_str(), n, values.data(), nullptr, nullptr, 0); });
  }
  return check(PQexecPrepared(conn_, name.c_str(), n, values.data(), nullptr, nullptr, 0), name);
}

bool PgConnection::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Result<void> PgConnection::reconnect() {
  timed_out_ = false;
  disconnect();
  auto fresh = connect(url_, app_name_, bounds_, &timed_out_);
  if (!fresh) {
    return fresh.error();
  }
  conn_ = fresh->conn_;
  fresh->conn_ = nullptr;
  auto statements = std::move(prepared_);
  prepared_.clear();
  // A session without its settings or statements must not look connected: every later use would
  // fail ("prepared statement does not exist") and nothing would ever reconnect it.
  auto fail = [&](Error e) {
    disconnect();
    prepared_ = std::move(statements);  // the next reconnect tries them all again
    return e;
  };
  for (const auto& sql : session_sql_) {
    if (auto r = exec(sql); !r) {
      return fail(r.error());
    }
  }
  for (const auto& [name, sql] : statements) {
    if (auto r = prepare(name, sql); !r) {
      return fail(r.error());
    }
  }
  return {};
}

void PgConnection::disconnect() {
  PQfinish(conn_);
  conn_ = nullptr;
}

Result<void> PgConnection::ensure_connected() {
  if (connected()) {
    return {};
  }
  return reconnect();
}

int PgConnection::backend_pid() const { return conn_ != nullptr ? PQbackendPID(conn_) : 0; }

}  // namespace gw::storage
