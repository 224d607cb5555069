// The `keys` table in a PostgreSQL ledger database.
#include <stdexcept>

#include "gw/auth/key_table.h"
#include "gw/storage/postgres.h"
#include "gw/storage/postgres_migrations.h"

namespace gw {

namespace {

constexpr std::string_view kColumns =
    "id, name, hash, models, rpm, tpm, budget_nano_usd, budget_period, created_at, revoked_at";
constexpr std::string_view kUniqueViolation = "23505";

// The at-once lookup runs on a request thread: it gets a connection of its own (never queued
// behind a reload or an admin call) and little time. A database on the same network answers an
// index lookup in milliseconds; past these the key is treated as unknown (key_store.cc).
constexpr storage::PgBounds kLookupBounds{std::chrono::milliseconds(1000), std::chrono::milliseconds(1000)};
// Reloads (a background thread) and admin calls wait longer, but never as long as TCP would for a
// blackholed server; while one waits, create/revoke/list queue behind it.
constexpr storage::PgBounds kMainBounds{std::chrono::seconds(10), std::chrono::seconds(10)};

KeyRow read_row(const storage::PgRows& rows, int i) {
  KeyRow r;
  r.info.id = rows.text(i, 0);
  r.info.name = rows.text(i, 1);
  r.hash = rows.text(i, 2);
  r.info.models = models_from_json(rows.text(i, 3));
  r.info.rpm = rows.optional_int64(i, 4);
  r.info.tpm = rows.optional_int64(i, 5);
  if (auto nano = rows.optional_int64(i, 6)) {
    auto period = config::parse_budget_period(rows.text(i, 7));
    r.info.budget = config::Budget{*nano, period.value_or(config::BudgetPeriod::Total)};
  }
  r.info.created_at = rows.text(i, 8);
  r.info.revoked = !rows.is_null(i, 9);
  return r;
}

storage::PgParam optional_text(const std::optional<int64_t>& v) {
  return v ? storage::PgParam{std::to_string(*v)} : std::nullopt;
}

class PostgresKeyTable final : public KeyTable {
 public:
  explicit PostgresKeyTable(const std::string& url) {
    auto c = storage::PgConnection::open(url, "switchyard-keys");
    if (!c) {
      throw std::runtime_error("keys: " + c.error().message);
    }
    conn_ = std::move(*c);
    // Unbounded until migrated: migrations wait on a lock another starting process may hold.
    if (auto v = storage::migrate_postgres(conn_); !v) {
      throw std::runtime_error("keys: " + v.error().message);
    }
    if (auto b = conn_.set_bounds(kMainBounds); !b) {
      throw std::runtime_error("keys: " + b.error().message);
    }
    auto l = storage::PgConnection::open(url, "switchyard-keys-lookup", kLookupBounds);
    if (!l) {
      throw std::runtime_error("keys: " + l.error().message);
    }
    lookup_conn_ = std::move(*l);
  }

  Result<std::optional<KeyRow>> find_active(const std::string& hash) override {
    auto rows = query(lookup_conn_,
                      "SELECT " + std::string(kColumns) + " FROM keys WHERE hash = $1 AND revoked_at IS NULL",
                      {hash});
    if (!rows) {
      return rows.error();
    }
    if (rows->rows() == 0) {
      return std::optional<KeyRow>{};
    }
    return std::optional<KeyRow>{read_row(*rows, 0)};
  }

  Result<std::vector<KeyRow>> active() override {
    return select_rows("SELECT " + std::string(kColumns) + " FROM keys WHERE revoked_at IS NULL");
  }

  Result<std::vector<KeyInfo>> all() override {
    // Bytewise, as SQLite orders text: created_at is RFC 3339 UTC, so this is creation order.
    auto rows = select_rows("SELECT " + std::string(kColumns) +
                            " FROM keys ORDER BY created_at COLLATE \"C\", id COLLATE \"C\"");
    if (!rows) {
      return rows.error();
    }
    std::vector<KeyInfo> out;
    for (auto& r : *rows) {
      out.push_back(std::move(r.info));
    }
    return out;
  }

  Result<bool> active_name_exists(const std::string& name) override {
    auto rows = query(conn_, "SELECT 1 FROM keys WHERE name = $1 AND revoked_at IS NULL", {name});
    if (!rows) {
      return rows.error();
    }
    return rows->rows() > 0;
  }

  Result<void> insert(const KeyRow& row) override {
    const KeyInfo& info = row.info;
    storage::PgParam budget_nano;
    storage::PgParam budget_period;
    if (info.budget) {
      budget_nano = std::to_string(info.budget->nano_usd);
      budget_period = std::string(config::to_string(info.budget->period));
    }
    // Not retried on a fresh connection: a lost answer may hide a committed insert.
    if (auto c = conn_.ensure_connected(); !c) {
      return c.error();
    }
    auto r = conn_.exec("INSERT INTO keys (" + std::string(kColumns) +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
                        {info.id, info.name, row.hash, models_json(info.models), optional_text(info.rpm),
                         optional_text(info.tpm), budget_nano, budget_period, info.created_at});
    if (!r) {
      if (conn_.last_sqlstate() == kUniqueViolation) {  // keys_active_name: another gateway won
        return invalid_field("name", "an active key named '" + info.name + "' already exists");
      }
      return r.error();
    }
    return {};
  }

  Result<std::optional<std::string>> hash_of(const std::string& id) override {
    auto rows = query(conn_, "SELECT hash FROM keys WHERE id = $1", {id});
    if (!rows) {
      return rows.error();
    }
    if (rows->rows() == 0) {
      return std::optional<std::string>{};
    }
    return std::optional<std::string>{rows->text(0, 0)};
  }

  Result<void> mark_revoked(const std::string& id, const std::string& at) override {
    auto rows = query(conn_, "UPDATE keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", {at, id});
    if (!rows) {
      return rows.error();
    }
    return {};
  }

 private:
  // Runs an idempotent statement, once more on a fresh connection if the old one had been dropped
  // (a restarted server), but not after a timeout: the bound is for the whole call.
  static Result<storage::PgRows> query(storage::PgConnection& conn, const std::string& sql,
                                       const std::vector<storage::PgParam>& params) {
    if (auto c = conn.ensure_connected(); !c) {
      return c.error();
    }
    auto rows = conn.exec(sql, params);
    if (!rows && !conn.connected() && !conn.timed_out()) {
      if (auto c = conn.reconnect(); !c) {
        return c.error();
      }
      rows = conn.exec(sql, params);
    }
    return rows;
  }

  Result<std::vector<KeyRow>> select_rows(const std::string& sql) {
    auto rows = query(conn_, sql, {});
    if (!rows) {
      return rows.error();
    }
    std::vector<KeyRow> out;
    for (int i = 0; i < rows->rows(); ++i) {
      out.push_back(read_row(*rows, i));
    }
    return out;
  }

  storage::PgConnection conn_;         // everything but find_active; the store serializes its calls
  storage::PgConnection lookup_conn_;  // find_active only, which the store calls one at a time
};

}  // namespace

std::unique_ptr<KeyTable> open_postgres_key_table(const std::string& url) {
  return std::make_unique<PostgresKeyTable>(url);
}

}  // namespace gw
