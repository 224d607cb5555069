-- Virtual keys created through the admin API or the CLI. Only the SHA-256 of the secret is kept.
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
