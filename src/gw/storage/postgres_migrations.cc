#include "gw/storage/postgres_migrations.h"

#include <algorithm>

#include <string>

namespace gw::storage {

namespace {

// Mirrors of migrations/postgres/*.sql, byte for byte (storage_test compares them with the files).
constexpr std::string_view k0001 = R"sql(-- The usage ledger (PostgreSQL): one row per request that reached an upstream, keyed by request id
-- so that a replayed record is ignored rather than counted twice. Money is integer nano-USD.
CREATE TABLE IF NOT EXISTS usage (
  request_id TEXT PRIMARY KEY,
  time_ms BIGINT NOT NULL,
  key_id TEXT NOT NULL,
  key_name TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  deployment TEXT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cache_read_tokens BIGINT NOT NULL,
  cache_write_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  usage_counted BOOLEAN NOT NULL,
  cost_nano_usd BIGINT NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  latency_ms BIGINT NOT NULL,
  ttft_ms BIGINT NOT NULL,
  stream BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_by_time ON usage(time_ms);
CREATE INDEX IF NOT EXISTS usage_by_key_time ON usage(key_id, time_ms);
)sql";

constexpr std::string_view k0002 = R"sql(-- Virtual keys created through the admin API or the CLI. Only the SHA-256 of the secret is kept.
CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  models TEXT NOT NULL,          -- JSON array of model names; [] = all
  rpm BIGINT,
  tpm BIGINT,
  budget_nano_usd BIGINT,
  budget_period TEXT,            -- day | week | month | total, with budget_nano_usd
  created_at TEXT NOT NULL,      -- RFC 3339, UTC
  revoked_at TEXT                -- NULL while the key is active
);
-- Names identify keys in usage reports: two active keys may not share one, even when two gateways
-- create them at the same moment.
CREATE UNIQUE INDEX IF NOT EXISTS keys_active_name ON keys(name) WHERE revoked_at IS NULL;
)sql";

// pg_advisory_xact_lock's key for "migrating switchyard's schema" ("swyd" "mig1" in ASCII).
constexpr std::string_view kMigrationLock = "8320252308829595441";

}  // namespace

const std::vector<Migration>& postgres_migrations() {
  static const std::vector<Migration> list = {
      {1, "0001_ledger.sql", k0001},
      {2, "0002_keys.sql", k0002},
  };
  return list;
}

Result<int> migrate_postgres(PgConnection& db) { return migrate_postgres(db, postgres_migrations()); }

Result<int> migrate_postgres(PgConnection& db, const std::vector<Migration>& list) {
  // A current schema needs no DDL, not even CREATE TABLE IF NOT EXISTS (which PostgreSQL checks
  // the CREATE privilege for first): a role with only SELECT/INSERT/UPDATE/DELETE can then run a
  // gateway against a schema an administrator migrated.
  int latest = 0;
  for (const auto& m : list) {
    latest = std::max(latest, m.version);
  }
  auto exists = db.exec("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!exists) {
    return exists.error();
  }
  if (exists->text(0, 0) == "t") {
    auto current = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!current) {
      return current.error();
    }
    if (current->int64(0, 0) >= latest) {
      return static_cast<int>(current->int64(0, 0));
    }
  }
  if (auto r = db.exec("BEGIN"); !r) {
    return r.error();
  }
  auto fail = [&](Error e) -> Result<int> {
    (void)db.exec("ROLLBACK");
    return e;
  };
  // Held until COMMIT: a second gateway waits here, then finds the schema current. Taken before
  // schema_version exists, since two concurrent CREATE TABLE IF NOT EXISTS can collide.
  if (auto r = db.exec("SELECT pg_advisory_xact_lock(" + std::string(kMigrationLock) + ")"); !r) {
    return fail(r.error());
  }
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                       "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
      !r) {
    return fail(r.error());
  }
  auto current = db.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!current) {
    return fail(current.error());
  }
  int version = static_cast<int>(current->int64(0, 0));
  for (const auto& m : list) {
    if (m.version <= version) {
      continue;
    }
    if (auto r = db.exec(m.sql); !r) {
      return fail(make_error(Code::Internal, std::string(m.name) + ": " + r.error().message));
    }
    auto ins = db.exec(
        "INSERT INTO schema_version (version, name, applied_ms) "
        "VALUES ($1, $2, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT)",
        {std::to_string(m.version), std::string(m.name)});
    if (!ins) {
      return fail(ins.error());
    }
    version = m.version;
  }
  if (auto r = db.exec("COMMIT"); !r) {
    return fail(r.error());
  }
  return version;
}

}  // namespace gw::storage
