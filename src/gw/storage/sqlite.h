#pragma once
// A thin RAII wrapper over SQLite (design.md: storage/ holds wrappers only, no policy).
// Errors are values: every call returns Result<T> whose Error carries SQLite's message.
// A Db or Statement is used by one thread at a time; callers that share one hold a mutex.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gw/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gw::storage {

enum class Sync {
  Full,    // fsync on every commit: a committed transaction survives a power loss
  Normal,  // WAL + NORMAL: a commit survives a process crash, not a power loss (fsync at checkpoints)
};

struct OpenOptions {
  Sync sync = Sync::Full;
  int busy_timeout_ms = 5000;  // another connection (the CLI, a second worker) holds the write lock
  bool read_only = false;
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  // Binds without copying: `text` must stay alive and unchanged until reset().
  Statement& bind_static(int index, std::string_view text);
  Statement& bind(int index, const std::optional<int64_t>& value);  // nullopt binds NULL
  Statement& bind_null(int index);

  // true: a row is available; false: done.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Result<void> run();
  // Makes the statement reusable with new bindings.
  void reset();

  int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  std::optional<int64_t> column_optional_int64(int index) const;

 private:
  friend class Db;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  // Opens (creating if needed) a database in WAL mode with the given durability.
  static Result<Db> open(const std::string& path, const OpenOptions& opts = {});

  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_), tx_(o.tx_) {
    o.db_ = nullptr;
    o.tx_ = {};
  }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  Result<void> exec(std::string_view sql);  // one or more statements, no results
  Result<Statement> prepare(std::string_view sql);
  int64_t changes() const;  // rows changed by the last statement
  // The primary result code (SQLITE_BUSY, SQLITE_CONSTRAINT, ...) of the last failed call.
  int last_error_code() const;
  bool is_open() const { return db_ != nullptr; }

 private:
  friend class Transaction;
  enum TxStep { kBegin, kCommit, kRollback };
  // Runs BEGIN IMMEDIATE / COMMIT / ROLLBACK from statements prepared once per connection: the
  // ledger writer commits hundreds of groups a second, and parsing them each time showed.
  Result<void> tx_step(TxStep step);
  void finalize_tx();

  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  std::array<sqlite3_stmt*, 3> tx_{};
};

// BEGIN IMMEDIATE (takes the write lock up front, so busy_timeout applies at BEGIN rather than
// failing mid-transaction); rolls back in the destructor unless committed.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db);
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_ = nullptr;
};

}  // namespace gw::storage
