#pragma once
// The SQLite ledger: one writer thread owns the write connection and commits in groups.
//
// strict  (synchronous=FULL): record() completes once the transaction holding the record is
//         fsynced. Whatever is queued while one group commits goes into the next, so one fsync
//         serves every request that finished meanwhile (group commit).
// relaxed (synchronous=NORMAL): record() completes at once. The writer commits what is queued
//         at once after a quiet spell and at most every 20 ms while records keep coming (well
//         within the contract's 100 ms); a commit survives a process crash but a power loss may
//         take back what was committed since the last WAL checkpoint.
//
// A failed write is logged and retried with back-off, never dropped. Waiters of a batch that keeps
// failing are told so (Internal) after a few tries while the records stay queued for retry; only a
// shutdown (flush_blocking or destruction) gives up, after about 30 s of failures, and logs every
// request id it could not keep.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/ledger.h"
#include "gw/storage/sqlite.h"

namespace gw {

// "sqlite://PATH" -> PATH ("sqlite:///abs/x.db" -> "/abs/x.db", "sqlite://rel.db" -> "rel.db");
// nullopt for any other scheme.
std::optional<std::string> sqlite_path_from_url(std::string_view url);

// Opens (creating and migrating) the ledger. Throws std::runtime_error if the database cannot be
// opened or migrated: a control-plane failure at start-up.
std::unique_ptr<Ledger> make_sqlite_ledger(const std::string& path, config::LedgerSync sync,
                                           const Clock& clock);
// The ledger the config names (`ledger:` and `ledger_sync:`). Throws for an unsupported scheme.
std::unique_ptr<Ledger> make_ledger(const config::Config& cfg, const Clock& clock);

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(const std::string& path, config::LedgerSync sync, const Clock& clock);
  ~SqliteLedger() override;  // flushes everything queued, then stops the writer

  net::awaitable<Result<void>> record(UsageRecord rec) override;
  void flush_blocking() override;
  Result<std::vector<UsageRow>> usage(const UsageQuery& q) override;
  Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) override;

  LedgerCounters counters() const override { return {records_.load(), commits_.load()}; }

 private:
  using Done = std::function<void(Result<void>)>;  // null for relaxed records
  struct Pending {
    UsageRecord rec;
    Done done;
  };

  void enqueue(UsageRecord rec, Done done);
  void writer_loop();
  Result<void> write_batch(const std::vector<Pending>& batch);
  bool give_up_allowed() const;  // under mu_

  const config::LedgerSync sync_;
  const Clock& clock_;
  storage::Db write_db_;     // the writer thread's only
  storage::Statement insert_;
  std::mutex read_mu_;       // guards read_db_
  storage::Db read_db_;

  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: work or stop
  std::condition_variable flushed_;  // flush_blocking(): written_ advanced
  std::vector<Pending> queue_;
  uint64_t enqueued_ = 0;  // records ever queued
  uint64_t written_ = 0;   // records whose batch finished (committed, or given up at shutdown)
  int flushers_ = 0;       // threads inside flush_blocking()
  bool stop_ = false;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> records_{0};  // records in committed transactions
  std::thread writer_;
};

}  // namespace gw
