#pragma once
// The PostgreSQL ledger (`ledger: postgres://user:pass@host:port/db`): the SQLite ledger's design
// on a server. One writer thread owns a libpq connection and commits in groups (group_commit.h):
// each group is one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT (request_id) DO NOTHING, a
// single statement and so a single transaction, one round trip however many records it carries.
//
// strict  (synchronous_commit=on): a group's records complete once its COMMIT returned, i.e. the
//         server flushed its WAL.
// relaxed (synchronous_commit=on as well): records complete at once and are committed within
//         20 ms; a gateway crash may lose that window. `off` would let a server crash take back
//         up to 3 x wal_writer_delay (600 ms by default), beyond the contract's 100 ms.
//
// A dropped connection (a server restart, a failover, pg_terminate_backend) is reconnected and the
// group retried with back-off: a COMMIT whose answer was lost may have happened, and the retry is
// then ignored row by row (request ids are unique), so nothing is lost or counted twice. Strict
// callers keep waiting through the first tries (about 7 s) and then get an error while the records
// stay queued. Reports and budget reads use a connection each, reconnected the same way. Every
// connection is bounded in time (Bounds): a silent server is a failed try, not a hang.
// No message ever names the password: connections are named by storage::redact_url().
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/group_commit.h"
#include "gw/ledger/ledger.h"
#include "gw/storage/postgres.h"

namespace gw {

// Connects, creates or migrates the schema (safe with several gateways starting at once) and
// starts the writer. Throws std::runtime_error (without the password) if the database is
// unreachable or cannot be migrated: a control-plane failure at start-up.
std::unique_ptr<Ledger> make_postgres_ledger(const std::string& url, config::LedgerSync sync,
                                             const Clock& clock);

class PostgresLedger final : public Ledger {
 public:
  // How long each connection waits for the server (storage::PgBounds) before giving up: a
  // blackholed network must neither hold the writer (a timed-out write is retried like a dropped
  // connection, safely: the insert is idempotent by request id) nor a worker thread seeding a
  // budget. Tests shorten them.
  struct Bounds {
    storage::PgBounds writer{std::chrono::seconds(10), std::chrono::seconds(30)};
    storage::PgBounds spend{std::chrono::seconds(2), std::chrono::seconds(2)};    // spent_since
    storage::PgBounds report{std::chrono::seconds(10), std::chrono::seconds(30)};  // usage()
  };

  PostgresLedger(const std::string& url, config::LedgerSync sync, const Clock& clock)
      : PostgresLedger(url, sync, clock, Bounds{}) {}
  PostgresLedger(const std::string& url, config::LedgerSync sync, const Clock& clock, Bounds bounds);
  ~PostgresLedger() override;  // flushes everything queued, then stops the writer

  net::awaitable<Result<void>> record(UsageRecord rec) override { return committer_->record(std::move(rec)); }
  void flush_blocking() override { committer_->flush_blocking(); }
  Result<std::vector<UsageRow>> usage(const UsageQuery& q) override;
  Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) override;
  Result<int64_t> provider_spend(const std::vector<std::string>& providers, int64_t since_ms,
                                 int64_t until_ms) override;
  LedgerCounters counters() const override { return committer_->counters(); }
  std::optional<Error> failing() const override { return committer_->failing(); }

  // application_name of the writer's connection (pg_stat_activity), for operators and tests.
  static constexpr std::string_view kWriterName = "switchyard-ledger-writer";
  static constexpr std::string_view kReportReaderName = "switchyard-ledger-reader";
  static constexpr std::string_view kSpendReaderName = "switchyard-ledger-spend";

 private:
  GroupCommitter::WriteOutcome write_batch(const std::vector<UsageRecord>& batch);  // on the writer thread only
  struct Reader {
    std::mutex mu;
    storage::PgConnection conn;
  };
  // Runs a read on `r` (under its mutex), once more on a fresh connection if it was dropped (not
  // if it timed out: the server is silent, and the caller must not wait twice).
  static Result<storage::PgRows> read(Reader& r, const std::string& sql,
                                      const std::vector<storage::PgParam>& params);

  const Clock& clock_;
  storage::PgConnection write_conn_;  // the writer thread's only
  // Reports and budget reads apart: a long report must not hold a worker thread seeding a budget.
  Reader report_;
  Reader spend_;
  std::unique_ptr<GroupCommitter> committer_;  // last: stopped (and drained) first
};

}  // namespace gw
