-- The usage ledger (PostgreSQL): one row per request that reached an upstream, keyed by request id
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
