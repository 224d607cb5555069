#pragma once
// The usage ledger (contract.md "Metering"): exactly one durable record per request that reached
// an upstream, keyed by request id (a replay is not counted twice).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/canonical/usage.h"
#include "gw/common/asio.h"
#include "gw/common/error.h"
#include "gw/common/result.h"

namespace gw {

struct UsageRecord {
  std::string request_id;  // UUIDv7
  int64_t time_ms = 0;     // request start, unix ms
  std::string key_id;
  std::string key_name;
  std::string model;       // as requested by the client
  std::string provider;    // provider config name
  std::string deployment;  // upstream model id
  Usage usage;
  bool usage_counted = false;  // true when estimated because the upstream never reported it
  int64_t cost_nano_usd = 0;
  unsigned status = 0;     // HTTP status the client got (200 for a stream that started)
  std::string outcome;     // "ok", "client_disconnected", "upstream_error", ...
  int64_t latency_ms = 0;
  int64_t ttft_ms = -1;    // -1 when no token arrived
  bool stream = false;
};

struct UsageQuery {
  std::vector<std::string> group_by;  // subset of key, model, provider, deployment
  std::optional<int64_t> since_ms;
  std::optional<int64_t> until_ms;
};

// What the ledger has written since start: records made durable (strict) or committed (relaxed),
// and the transactions that carried them. records / commits is the group-commit batch size.
struct LedgerCounters {
  uint64_t records = 0;
  uint64_t commits = 0;
  uint64_t lost = 0;  // records given up at shutdown, the database still failing (each logged in full)
};

struct UsageRow {
  std::string key, model, provider, deployment;  // empty when not grouped by
  int64_t requests = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t cost_nano_usd = 0;
};

class Ledger {
 public:
  virtual ~Ledger() = default;
  // Completes when the record is durable (strict) or queued (relaxed, flushed within 100 ms).
  virtual net::awaitable<Result<void>> record(UsageRecord rec) = 0;
  // Blocks until everything queued is durable (graceful stop).
  virtual void flush_blocking() = 0;
  virtual Result<std::vector<UsageRow>> usage(const UsageQuery& q) = 0;
  // Spend of a key since a time (budget enforcement across restarts), nano-USD.
  virtual Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) = 0;
  // What the records of these providers cost with time_ms in [since_ms, until_ms), nano-USD: a
  // commitment's burn-down (routing/commitments.h). Not for a request's path: it may scan a period.
  virtual Result<int64_t> provider_spend(const std::vector<std::string>& providers, int64_t since_ms,
                                         int64_t until_ms) = 0;
  virtual LedgerCounters counters() const = 0;
  // Why the ledger cannot write right now (its database has kept failing, records wait in memory
  // for retry), or nullopt while it writes. Requests that would be metered are refused meanwhile:
  // what a crash would lose must not grow without bound.
  virtual std::optional<Error> failing() const = 0;
};

}  // namespace gw
