#include "gw/storage/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

namespace gw::storage {

namespace {

Error db_error(sqlite3* db, std::string_view what) {
  std::string msg = "sqlite: " + std::string(what);
  if (db != nullptr) {
    msg += ": ";
    msg += sqlite3_errmsg(db);
  }
  return make_error(Code::Internal, std::move(msg));
}

}  // namespace

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

int Db::last_error_code() const { return db_ != nullptr ? (sqlite3_extended_errcode(db_) & 0xff) : SQLITE_CANTOPEN; }

Statement& Statement::bind_static(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return db_error(db_, "step");
}

Result<void> Statement::run() {
  auto r = step();
  if (!r) {
    return r.error();
  }
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  if (p == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::optional<int64_t> Statement::column_optional_int64(int index) const {
  if (column_is_null(index)) {
    return std::nullopt;
  }
  return column_int64(index);
}

Result<Db> Db::open(const std::string& path, const OpenOptions& opts) {
  sqlite3* raw = nullptr;
  const int flags = (opts.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  if (!opts.read_only && path != ":memory:" && !path.empty()) {
    // A new ledger is created readable by its owner only (SQLite's default is 0644): it holds
    // key hashes and every team's usage. SQLite gives its -wal and -shm files the same mode.
    if (int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
      ::close(fd);
    }
  }
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    Error e = db_error(raw, "open " + path);
    sqlite3_close(raw);
    return e;
  }
  Db db(raw);
  sqlite3_busy_timeout(raw, opts.busy_timeout_ms);
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  if (!opts.read_only) {
    pragmas += "PRAGMA journal_mode=WAL;";
  }
  pragmas += opts.sync == Sync::Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  if (auto r = db.exec(pragmas); !r) {
    return r.error();
  }
  return db;
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    finalize_tx();
    sqlite3_close(db_);
    db_ = o.db_;
    tx_ = o.tx_;
    o.db_ = nullptr;
    o.tx_ = {};
  }
  return *this;
}

Db::~Db() {
  finalize_tx();
  sqlite3_close(db_);
}

void Db::finalize_tx() {
  for (auto*& st : tx_) {
    sqlite3_finalize(st);
    st = nullptr;
  }
}

Result<void> Db::tx_step(TxStep step) {
  static constexpr const char* kSql[] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
  sqlite3_stmt*& st = tx_[step];
  if (st == nullptr && sqlite3_prepare_v2(db_, kSql[step], -1, &st, nullptr) != SQLITE_OK) {
    return db_error(db_, kSql[step]);
  }
  if (sqlite3_step(st) != SQLITE_DONE) {
    Error e = db_error(db_, kSql[step]);
    sqlite3_reset(st);
    return e;
  }
  sqlite3_reset(st);
  return {};
}

Result<void> Db::exec(std::string_view sql) {
  const std::string text(sql);
  char* msg = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string what = msg != nullptr ? msg : "exec failed";
    sqlite3_free(msg);
    return make_error(Code::Internal, "sqlite: " + what);
  }
  return {};
}

Result<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return db_error(db_, "prepare");
  }
  return Statement(db_, stmt);
}

int64_t Db::changes() const { return sqlite3_changes(db_); }

Result<Transaction> Transaction::begin(Db& db) {
  if (auto r = db.tx_step(Db::kBegin); !r) {
    return r.error();
  }
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    (void)db_->tx_step(Db::kRollback);
  }
}

Result<void> Transaction::commit() {
  auto r = db_->tx_step(Db::kCommit);
  if (r) {
    db_ = nullptr;
  }
  return r;
}

}  // namespace gw::storage
