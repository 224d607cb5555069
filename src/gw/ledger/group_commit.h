#pragma once
// What every ledger backend shares: the queue of records, the one writer thread that commits them
// in groups, and the retry policy. A backend supplies only "write this batch in one transaction".
//
// strict:  record() completes (posted back to the caller's executor) once the transaction holding
//          the record committed. Whatever is queued while one group commits goes into the next, so
//          one commit serves every request that finished meanwhile (group commit).
// relaxed: record() completes at once. The writer commits what is queued at once after a quiet
//          spell and at most every 20 ms while records keep coming (well within the contract's
//          100 ms).
//
// A failed write is logged and retried with back-off, never dropped (backends make a retried write
// idempotent by request id). Waiters of a batch that keeps failing are told so (Internal) after
// Policy::failures_before_telling_waiters tries while the records stay queued for retry; only a
// shutdown (flush_blocking or destruction) gives up, after Policy::failures_before_giving_up
// tries, and logs every record it could not keep in full (ledger_record_lost), for an operator to
// re-enter. Once a batch is failing that long, strict
// waiters queued behind it are told at once too, until a write succeeds. A record the database can
// never accept (WriteOutcome::permanent) is isolated by splitting its batch, logged in full as
// ledger_record_rejected and dropped; the rest of its batch is committed.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/ledger.h"

namespace gw {

class GroupCommitter {
 public:
  struct Policy {
    int failures_before_telling_waiters;
    int failures_before_giving_up;  // at shutdown only
  };
  // What a write reports. `permanent`: writing the same records again can never succeed (a value the
  // database refuses: a constraint, a type or encoding error), unlike a lost connection, a timeout
  // or a busy database, which retrying cures.
  struct WriteOutcome {
    WriteOutcome() : permanent(false) {}  // success
    WriteOutcome(Result<void> r, bool perm = false) : result(std::move(r)), permanent(perm) {}  // NOLINT
    WriteOutcome(Error e, bool perm = false) : result(std::move(e)), permanent(perm) {}         // NOLINT
    Result<void> result;
    bool permanent;
  };
  // Writes every record in one transaction; on failure nothing of it may remain committed, or
  // what remains must be ignored when written again (same request id).
  using WriteBatch = std::function<WriteOutcome(const std::vector<UsageRecord>&)>;

  // Starts the writer thread. `write` is called on it only, until the destructor returns.
  GroupCommitter(config::LedgerSync sync, const Clock& clock, Policy policy, WriteBatch write);
  ~GroupCommitter();  // writes everything queued (or gives up as above), then stops the writer

  net::awaitable<Result<void>> record(UsageRecord rec);
  void flush_blocking();
  LedgerCounters counters() const { return {records_.load(), commits_.load(), lost_.load()}; }
  // The error of a batch failing failures_before_telling_waiters times with no success since.
  std::optional<Error> failing() const;

 private:
  using Done = std::function<void(Result<void>)>;  // null for relaxed records

  void enqueue(UsageRecord rec, Done done);
  void writer_loop();
  bool give_up_allowed() const;  // under mu_
  // Writes `recs`; a permanent failure is split in halves until the records that cannot be written
  // are alone, and those are logged in full (ledger_record_rejected) and marked in `rejected`.
  // Returns the error of a transient failure: the caller retries (committed parts are ignored).
  std::optional<Error> write_isolating(const std::vector<UsageRecord>& recs, size_t offset,
                                       std::vector<bool>& rejected);
  // Tells every strict waiter now queued that the ledger is failing (their records stay queued).
  void tell_queued_waiters(const Error& e);  // under mu_

  const config::LedgerSync sync_;
  const Clock& clock_;
  const Policy policy_;
  const WriteBatch write_;

  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: work or stop
  std::condition_variable flushed_;  // flush_blocking(): written_ advanced
  std::vector<UsageRecord> queue_;   // with queue_done_, index for index
  std::vector<Done> queue_done_;
  uint64_t enqueued_ = 0;  // records ever queued
  uint64_t written_ = 0;   // records whose batch finished (committed, or given up at shutdown)
  int flushers_ = 0;       // threads inside flush_blocking()
  bool stop_ = false;
  // A batch has failed failures_before_telling_waiters times and no write succeeded since: strict
  // waiters are told at once instead of waiting behind it.
  std::optional<Error> failing_;
  std::atomic<bool> failing_set_{false};  // failing_ has a value: read without the lock
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> records_{0};  // records in committed transactions
  std::atomic<uint64_t> lost_{0};     // records given up at shutdown
  std::thread writer_;                // last: started once everything above exists
};

}  // namespace gw
