// The writer's failure policy, with a batch writer the test controls: when the ledger says it is
// failing, when it recovers, and what a shutdown that cannot write keeps.
#include "gw/ledger/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ledger_records.h"

namespace gw {
namespace {

using namespace std::chrono_literals;

constexpr auto& rec = test::usage_record;

// A database the test takes down and brings back.
struct FlakyDb {
  std::atomic<bool> up{false};
  std::atomic<int> written{0};
  GroupCommitter::WriteBatch writer() {
    return [this](const std::vector<UsageRecord>& batch) -> GroupCommitter::WriteOutcome {
      if (!up) {
        return make_error(Code::Internal, "database is down");
      }
      written += static_cast<int>(batch.size());
      return {};
    };
  }
};

Result<void> record_one(GroupCommitter& gc, UsageRecord r) {
  net::io_context io;
  Result<void> out = make_error(Code::Internal, "not run");
  net::co_spawn(io, [&]() -> net::awaitable<void> { out = co_await gc.record(std::move(r)); }, net::detached);
  io.run();
  return out;
}

TEST(GroupCommitter, SaysItIsFailingAfterRepeatedFailuresAndRecoversWithTheFirstWrite) {
  FlakyDb db;
  GroupCommitter gc(config::LedgerSync::Strict, real_clock(),
                    {.failures_before_telling_waiters = 2, .failures_before_giving_up = 100}, db.writer());
  EXPECT_FALSE(gc.failing());
  // The strict waiter is told after two failures; its record stays queued.
  const Result<void> first = record_one(gc, rec("r1", 1, "k", "m", "p", "d", 1, 1, 1));
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("kept for retry"), std::string::npos) << first.error().message;
  ASSERT_TRUE(gc.failing());
  EXPECT_EQ(gc.failing()->message, "database is down");
  // Waiters queued while it fails are told at once, not after another round of tries.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(record_one(gc, rec("r2", 1, "k", "m", "p", "d", 1, 1, 1)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  // Back up: the retried batches are written, and the ledger no longer says it fails.
  db.up = true;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((gc.failing() || db.written < 2) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(gc.failing());
  EXPECT_EQ(db.written, 2);
  EXPECT_TRUE(record_one(gc, rec("r3", 1, "k", "m", "p", "d", 1, 1, 1)));
}

TEST(GroupCommitter, AShutdownThatCannotWriteCountsWhatItLost) {
  FlakyDb db;
  auto gc = std::make_unique<GroupCommitter>(config::LedgerSync::Relaxed, real_clock(),
                                             GroupCommitter::Policy{.failures_before_telling_waiters = 1,
                                                                    .failures_before_giving_up = 2},
                                             db.writer());
  EXPECT_TRUE(record_one(*gc, rec("a", 1, "k", "m", "p", "d", 1, 1, 1)));  // relaxed: queued
  EXPECT_TRUE(record_one(*gc, rec("b", 1, "k", "m", "p", "d", 1, 1, 1)));
  gc->flush_blocking();  // a flush may give up: the shutdown's
  EXPECT_EQ(gc->counters().lost, 2u);
  EXPECT_EQ(gc->counters().records, 0u);
  EXPECT_EQ(db.written, 0);
}

TEST(GroupCommitter, NothingIsLostWhenTheDatabaseWrites) {
  FlakyDb db;
  db.up = true;
  GroupCommitter gc(config::LedgerSync::Strict, real_clock(),
                    {.failures_before_telling_waiters = 1, .failures_before_giving_up = 2}, db.writer());
  EXPECT_TRUE(record_one(gc, rec("a", 1, "k", "m", "p", "d", 1, 1, 1)));
  gc.flush_blocking();
  EXPECT_EQ(gc.counters().lost, 0u);
  EXPECT_FALSE(gc.failing());
}

}  // namespace
}  // namespace gw
