#pragma once
// The SQLite ledger: one writer thread owns the write connection and commits in groups
// (group_commit.h: queue, strict and relaxed, retries).
//
// strict  (synchronous=FULL): a group's commit is fsynced before its records complete.
// relaxed (synchronous=NORMAL): a commit survives a process crash but a power loss may take back
//         what was committed since the last WAL checkpoint.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/group_commit.h"
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

class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(const std::string& path, config::LedgerSync sync, const Clock& clock);
  ~SqliteLedger() override;  // flushes everything queued, then stops the writer

  net::awaitable<Result<void>> record(UsageRecord rec) override { return committer_->record(std::move(rec)); }
  void flush_blocking() override { committer_->flush_blocking(); }
  Result<std::vector<UsageRow>> usage(const UsageQuery& q) override;
  Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) override;
  Result<int64_t> provider_spend(const std::vector<std::string>& providers, int64_t since_ms,
                                 int64_t until_ms) override;
  LedgerCounters counters() const override { return committer_->counters(); }
  std::optional<Error> failing() const override { return committer_->failing(); }

 private:
  GroupCommitter::WriteOutcome write_batch(const std::vector<UsageRecord>& batch);  // on the writer thread only

  storage::Db write_db_;     // the writer thread's only
  storage::Statement insert_;
  std::mutex read_mu_;       // guards read_db_
  storage::Db read_db_;
  std::unique_ptr<GroupCommitter> committer_;  // last: stopped (and drained) first
};

}  // namespace gw
