// The `keys` table in the ledger's SQLite file.
#include <stdexcept>

#include "gw/auth/key_table.h"
#include "gw/storage/migrations.h"
#include "gw/storage/sqlite.h"

namespace gw {

namespace {

constexpr std::string_view kColumns =
    "id, name, hash, models, rpm, tpm, budget_nano_usd, budget_period, created_at, revoked_at";

// Reads one row selected with kColumns.
KeyRow read_row(const storage::Statement& st) {
  KeyRow r;
  r.info.id = st.column_text(0);
  r.info.name = st.column_text(1);
  r.hash = st.column_text(2);
  r.info.models = models_from_json(st.column_text(3));
  r.info.rpm = st.column_optional_int64(4);
  r.info.tpm = st.column_optional_int64(5);
  if (auto nano = st.column_optional_int64(6)) {
    auto period = config::parse_budget_period(st.column_text(7));
    r.info.budget = config::Budget{*nano, period.value_or(config::BudgetPeriod::Total)};
  }
  r.info.created_at = st.column_text(8);
  r.info.revoked = !st.column_is_null(9);
  return r;
}

class SqliteKeyTable final : public KeyTable {
 public:
  explicit SqliteKeyTable(const std::string& path) {
    auto db = storage::Db::open(path);
    if (!db) {
      throw std::runtime_error("keys: " + db.error().message);
    }
    db_ = std::move(*db);
    if (auto v = storage::migrate(db_); !v) {
      throw std::runtime_error("keys " + path + ": " + v.error().message);
    }
    auto lookup = storage::Db::open(path, storage::OpenOptions{.busy_timeout_ms = kLookupBusyTimeoutMs});
    if (!lookup) {
      throw std::runtime_error("keys: " + lookup.error().message);
    }
    lookup_db_ = std::move(*lookup);
  }

  Result<std::optional<KeyRow>> find_active(const std::string& hash) override {
    auto st = lookup_db_.prepare("SELECT " + std::string(kColumns) + " FROM keys WHERE hash = ?1 AND revoked_at IS NULL");
    if (!st) {
      return st.error();
    }
    st->bind(1, hash);
    auto row = st->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return std::optional<KeyRow>{};
    }
    return std::optional<KeyRow>{read_row(*st)};
  }

  Result<std::vector<KeyRow>> active() override {
    return select_rows("SELECT " + std::string(kColumns) + " FROM keys WHERE revoked_at IS NULL");
  }

  Result<std::vector<KeyInfo>> all() override {
    auto rows = select_rows("SELECT " + std::string(kColumns) + " FROM keys ORDER BY created_at, id");
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
    auto st = db_.prepare("SELECT 1 FROM keys WHERE name = ?1 AND revoked_at IS NULL");
    if (!st) {
      return st.error();
    }
    st->bind(1, name);
    return st->step();
  }

  Result<void> insert(const KeyRow& row) override {
    const KeyInfo& info = row.info;
    auto st = db_.prepare("INSERT INTO keys (" + std::string(kColumns) +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)");
    if (!st) {
      return st.error();
    }
    st->bind(1, info.id).bind(2, info.name).bind(3, row.hash).bind(4, models_json(info.models));
    st->bind(5, info.rpm).bind(6, info.tpm);
    if (info.budget) {
      st->bind(7, info.budget->nano_usd).bind(8, config::to_string(info.budget->period));
    } else {
      st->bind_null(7).bind_null(8);
    }
    st->bind(9, info.created_at);
    return st->run();
  }

  Result<std::optional<std::string>> hash_of(const std::string& id) override {
    auto find = db_.prepare("SELECT hash FROM keys WHERE id = ?1");
    if (!find) {
      return find.error();
    }
    find->bind(1, id);
    auto row = find->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return std::optional<std::string>{};
    }
    return std::optional<std::string>{find->column_text(0)};
  }

  Result<void> mark_revoked(const std::string& id, const std::string& at) override {
    auto upd = db_.prepare("UPDATE keys SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL");
    if (!upd) {
      return upd.error();
    }
    upd->bind(1, at).bind(2, id);
    return upd->run();
  }

 private:
  Result<std::vector<KeyRow>> select_rows(const std::string& sql) {
    auto st = db_.prepare(sql);
    if (!st) {
      return st.error();
    }
    std::vector<KeyRow> out;
    while (true) {
      auto more = st->step();
      if (!more) {
        return more.error();
      }
      if (!*more) {
        break;
      }
      out.push_back(read_row(*st));
    }
    return out;
  }

  // The at-once lookup runs on a request thread: a handle of its own (WAL readers do not wait for
  // the writer; this bounds the rare wait for a checkpoint or recovery).
  static constexpr int kLookupBusyTimeoutMs = 1000;
  storage::Db db_;         // everything but find_active; the store serializes its calls
  storage::Db lookup_db_;  // find_active only, which the store calls one at a time
};

}  // namespace

std::unique_ptr<KeyTable> open_sqlite_key_table(const std::string& path) {
  return std::make_unique<SqliteKeyTable>(path);
}

}  // namespace gw
