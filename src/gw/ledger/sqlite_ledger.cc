#include "gw/ledger/sqlite_ledger.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

#include "gw/storage/migrations.h"

namespace gw {

namespace {

// Waiters learn that their batch is failing after this many tries (about 0.7 s); the records stay
// queued. At shutdown, a batch that still fails after 18 tries (about 30 s of back-off) is given up.
constexpr GroupCommitter::Policy kRetryPolicy{.failures_before_telling_waiters = 3,
                                              .failures_before_giving_up = 18};

constexpr std::string_view kInsert =
    "INSERT OR IGNORE INTO usage (request_id, time_ms, key_id, key_name, model, provider, deployment,"
    " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,"
    " usage_counted, cost_nano_usd, status, outcome, latency_ms, ttft_ms, stream)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

int64_t as_i64(uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); }

storage::Db open_or_throw(const std::string& path, storage::Sync sync) {
  auto db = storage::Db::open(path, {.sync = sync});
  if (!db) {
    throw std::runtime_error("ledger " + path + ": " + db.error().message);
  }
  return std::move(*db);
}

}  // namespace

SqliteLedger::SqliteLedger(const std::string& path, config::LedgerSync sync, const Clock& clock) {
  write_db_ = open_or_throw(path, sync == config::LedgerSync::Strict ? storage::Sync::Full
                                                                     : storage::Sync::Normal);
  if (auto v = storage::migrate(write_db_); !v) {
    throw std::runtime_error("ledger " + path + ": " + v.error().message);
  }
  auto st = write_db_.prepare(kInsert);
  if (!st) {
    throw std::runtime_error("ledger " + path + ": " + st.error().message);
  }
  insert_ = std::move(*st);
  read_db_ = open_or_throw(path, storage::Sync::Normal);
  committer_ = std::make_unique<GroupCommitter>(
      sync, clock, kRetryPolicy, [this](const std::vector<UsageRecord>& batch) { return write_batch(batch); });
}

SqliteLedger::~SqliteLedger() = default;  // committer_ goes first: it drains the queue

GroupCommitter::WriteOutcome SqliteLedger::write_batch(const std::vector<UsageRecord>& batch) {
  auto tx = storage::Transaction::begin(write_db_);
  if (!tx) {
    return tx.error();
  }
  for (const UsageRecord& r : batch) {
    insert_.reset();
    // The record outlives the statement's use of it (reset below), so its text is not copied.
    insert_.bind_static(1, r.request_id)
        .bind(2, r.time_ms)
        .bind_static(3, r.key_id)
        .bind_static(4, r.key_name)
        .bind_static(5, r.model)
        .bind_static(6, r.provider)
        .bind_static(7, r.deployment)
        .bind(8, as_i64(r.usage.input))
        .bind(9, as_i64(r.usage.output))
        .bind(10, as_i64(r.usage.cache_read))
        .bind(11, as_i64(r.usage.cache_write))
        .bind(12, as_i64(r.usage.reasoning))
        .bind(13, int64_t{r.usage_counted ? 1 : 0})
        .bind(14, r.cost_nano_usd)
        .bind(15, static_cast<int64_t>(r.status))
        .bind_static(16, r.outcome)
        .bind(17, r.latency_ms)
        .bind(18, r.ttft_ms)
        .bind(19, int64_t{r.stream ? 1 : 0});
    auto done = insert_.run();
    insert_.reset();
    if (!done) {
      // tx rolls back. A value SQLite refuses (a constraint, a type, a size) stays refused; a busy,
      // full or failing disk may recover: the whole batch is retried.
      const int code = write_db_.last_error_code();
      return {done.error(), code == SQLITE_CONSTRAINT || code == SQLITE_MISMATCH || code == SQLITE_TOOBIG};
    }
  }
  return tx->commit();
}

}  // namespace gw
