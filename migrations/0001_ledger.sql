-- The usage ledger: one row per request that reached an upstream, keyed by request id so that a
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
