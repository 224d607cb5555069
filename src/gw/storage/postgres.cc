#include "gw/storage/postgres.h"

#include <libpq-fe.h>

#include <cstdlib>

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

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
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
  if (auto opts = parse_conninfo(url)) {
    add(option(opts, "password"));
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const size_t start = scheme_end + 3;
    const size_t end = url.find_first_of("/?", start);
    const std::string_view authority =
        std::string_view(url).substr(start, end == std::string::npos ? std::string::npos : end - start);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        add(std::string(userinfo.substr(colon + 1)));
        add(percent_decode(userinfo.substr(colon + 1)));
      }
    }
  }
  for (size_t p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
    const size_t v = p + 9;
    const std::string_view value = std::string_view(url).substr(v, url.find('&', v) - v);
    add(std::string(value));
    add(percent_decode(value));
  }
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

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
}

std::string redact_url(std::string_view url) {
  auto opts = parse_conninfo(std::string(url));
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
  PgConnection c;
  c.url_ = url;
  c.app_name_ = std::string(application_name);
  c.name_ = redact_url(url);
  c.secrets_ = secrets_of(url);
  // Later keywords win, so the URL (expanded in place of dbname) may override the first two.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* vals[] = {"10", c.app_name_.c_str(), "UTF8", url.c_str(), nullptr};
  c.conn_ = PQconnectdbParams(keys, vals, 1);
  if (c.conn_ == nullptr) {
    return c.error("cannot connect", "out of memory");
  }
  if (PQstatus(c.conn_) != CONNECTION_OK) {
    return c.error("cannot connect", PQerrorMessage(c.conn_));
  }
  PQsetNoticeProcessor(c.conn_, &ignore_notice, nullptr);
  return c;
}

PgConnection::PgConnection(PgConnection&& o) noexcept
    : conn_(o.conn_),
      url_(std::move(o.url_)),
      app_name_(std::move(o.app_name_)),
      name_(std::move(o.name_)),
      secrets_(std::move(o.secrets_)),
      session_sql_(std::move(o.session_sql_)),
      prepared_(std::move(o.prepared_)) {
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

Result<PgRows> PgConnection::exec(std::string_view sql) {
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  return check(PQexec(conn_, std::string(sql).c_str()), "query");
}

Result<PgRows> PgConnection::exec(std::string_view sql, const std::vector<PgParam>& params) {
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  const auto values = values_of(params);
  return check(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               "query");
}

Result<void> PgConnection::exec_on_every_connect(std::string sql) {
  if (auto r = exec(sql); !r) {
    return r.error();
  }
  session_sql_.push_back(std::move(sql));
  return {};
}

Result<void> PgConnection::prepare(const std::string& name, const std::string& sql) {
  if (conn_ == nullptr) {
    return error("prepare", "not connected");
  }
  auto r = check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), "prepare " + name);
  if (!r) {
    return r.error();
  }
  prepared_.emplace_back(name, sql);
  return {};
}

Result<PgRows> PgConnection::exec_prepared(const std::string& name, const std::vector<PgParam>& params) {
  if (conn_ == nullptr) {
    return error("query", "not connected");
  }
  const auto values = values_of(params);
  return check(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0),
               name);
}

bool PgConnection::connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Result<void> PgConnection::reconnect() {
  auto fresh = open(url_, app_name_);
  if (!fresh) {
    return fresh.error();
  }
  auto statements = std::move(prepared_);
  PQfinish(conn_);
  conn_ = fresh->conn_;
  fresh->conn_ = nullptr;
  prepared_.clear();
  for (const auto& sql : session_sql_) {
    if (auto r = exec(sql); !r) {
      prepared_ = std::move(statements);
      return r.error();
    }
  }
  for (const auto& [name, sql] : statements) {
    if (auto r = prepare(name, sql); !r) {
      prepared_ = std::move(statements);  // the next reconnect tries them all again
      return r.error();
    }
  }
  return {};
}

Result<void> PgConnection::ensure_connected() {
  if (connected()) {
    return {};
  }
  return reconnect();
}

int PgConnection::backend_pid() const { return conn_ != nullptr ? PQbackendPID(conn_) : 0; }

}  // namespace gw::storage
