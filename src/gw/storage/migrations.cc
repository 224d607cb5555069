#include "gw/storage/migrations.h"

#include <string>

namespace gw::storage {

namespace {

// Mirrors of migrations/*.sql, byte for byte (storage_test compares them with the files).
constexpr std::string_view k0001 = R"sql(-- The usage ledger: one row per request that reached an upstream, keyed by request id so that a
-- replayed record is ignored rather than counted twice.
CREATE TABLE usage (
  request_id TEXT PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  key_name TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  deployment TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  usage_counted INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  latency_ms INTEGER NOT NULL,
  ttft_ms INTEGER NOT NULL,
  stream INTEGER NOT NULL
);
CREATE INDEX usage_by_time ON usage(time_ms);
CREATE INDEX usage_by_key_time ON usage(key_id, time_ms);
)sql";

constexpr std::string_view k0002 = R"sql(-- Virtual keys created through the admin API or the CLI. Only the SHA-256 of the secret is kept.
CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  models TEXT NOT NULL,          -- JSON array of model names; [] = all
  rpm INTEGER,
  tpm INTEGER,
  budget_nano_usd INTEGER,
  budget_period TEXT,            -- day | week | month | total, with budget_nano_usd
  created_at TEXT NOT NULL,      -- RFC 3339, UTC
  revoked_at TEXT                -- NULL while the key is active
);
)sql";

Result<int> current_version(Db& db) {
  auto st = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!st) {
    return st.error();
  }
  auto row = st->step();
  if (!row) {
    return row.error();
  }
  return static_cast<int>(st->column_int64(0));
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "0001_ledger.sql", k0001},
      {2, "0002_keys.sql", k0002},
  };
  return list;
}

Result<int> migrate(Db& db) { return migrate(db, migrations()); }

Result<int> migrate(Db& db, const std::vector<Migration>& list) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                       "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)");
      !r) {
    return r.error();
  }
  int version = 0;
  for (const auto& m : list) {
    auto tx = Transaction::begin(db);
    if (!tx) {
      return tx.error();
    }
    auto v = current_version(db);  // under the write lock: another process may have migrated
    if (!v) {
      return v.error();
    }
    version = *v;
    if (m.version <= version) {
      continue;
    }
    if (auto r = db.exec(m.sql); !r) {
      return make_error(Code::Internal, std::string(m.name) + ": " + r.error().message);
    }
    auto ins = db.prepare(
        "INSERT INTO schema_version(version, name, applied_ms) "
        "VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
    if (!ins) {
      return ins.error();
    }
    ins->bind(1, static_cast<int64_t>(m.version)).bind(2, m.name);
    if (auto r = ins->run(); !r) {
      return r.error();
    }
    if (auto r = tx->commit(); !r) {
      return r.error();
    }
    version = m.version;
  }
  return version;
}

}  // namespace gw::storage
