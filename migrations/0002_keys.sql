-- Virtual keys created through the admin API or the CLI. Only the SHA-256 of the secret is kept.
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
