#include "gw/ledger/sqlite_ledger.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "gw/ledger/make_ledger.h"
#include "gw/storage/migrations.h"
#include "gw/storage/sqlite.h"
#include "ledger_records.h"

namespace gw {
namespace {

using namespace std::chrono_literals;

std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("gw_ledger_" + name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(p.string() + suffix);
  }
  return p.string();
}

constexpr auto& rec = test::usage_record;
using test::record_all;

int64_t count_rows(const std::string& path) {
  auto db = storage::Db::open(path);
  auto st = db->prepare("SELECT COUNT(*) FROM usage");
  (void)st->step();
  return st->column_int64(0);
}

TEST(SqliteLedgerUrl, ParsesSqliteUrls) {
  EXPECT_EQ(sqlite_path_from_url("sqlite://switchyard.db"), "switchyard.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite:///var/lib/sy/ledger.db"), "/var/lib/sy/ledger.db");
  EXPECT_EQ(sqlite_path_from_url("postgres://u:p@h/db"), std::nullopt);
  EXPECT_EQ(sqlite_path_from_url("sqlite://"), std::nullopt);
}

TEST(MakeLedger, RefusesUnknownSchemesAndNeverEchoesCredentials) {
  config::Config cfg;
  cfg.ledger = "mysql://user:secret@host/db";
  try {
    make_ledger(cfg, real_clock());
    FAIL() << "mysql is not a ledger backend";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'mysql' is not supported"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << "never echo credentials";
  }
}

// postgres:// is a backend (postgres_ledger_pg_test.cc tests it against a real server); where
// nothing listens, start-up fails with the address and without the password.
TEST(MakeLedger, UnreachablePostgresFailsAtStartWithoutThePassword) {
  config::Config cfg;
  cfg.ledger = "postgresql://user:pa55word@127.0.0.1:1/db";
  try {
    make_ledger(cfg, real_clock());
    FAIL() << "nothing listens on port 1";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("postgres://user@127.0.0.1:1/db"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
    EXPECT_EQ(what.find("pa55word"), std::string::npos) << what;
  }
}

TEST(SqliteLedger, StrictRecordIsDurableWhenItCompletes) {
  const std::string path = temp_db("strict");
  SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
  auto results = record_all(ledger, {rec("r1", 1000, "k", "m", "p", "d", 10, 5, 42)});
  ASSERT_TRUE(results[0]) << results[0].error().message;
  // Completed means committed: another connection sees it without any flush.
  EXPECT_EQ(count_rows(path), 1);
  EXPECT_EQ(ledger.counters().commits, 1u);
}

TEST(SqliteLedger, GroupCommitServesManyConcurrentRecordsWithFewCommits) {
  const std::string path = temp_db("group");
  SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
  std::vector<UsageRecord> recs;
  for (int i = 0; i < 100; ++i) {
    recs.push_back(rec("g" + std::to_string(i), 1000 + i, "k", "m", "p", "d", 1, 1, 1));
  }
  auto results = record_all(ledger, std::move(recs), 4);
  for (const auto& r : results) {
    ASSERT_TRUE(r);
  }
  EXPECT_EQ(count_rows(path), 100);
  EXPECT_LE(ledger.counters().commits, 20u) << "one fsync should serve many records";
  EXPECT_GE(ledger.counters().commits, 1u);
  EXPECT_EQ(ledger.counters().records, 100u);
}

TEST(SqliteLedger, ReplayedRequestIdIsCountedOnce) {
  const std::string path = temp_db("idem");
  SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
  record_all(ledger, {rec("same", 1000, "k", "m", "p", "d", 10, 5, 100)});
  auto again = record_all(ledger, {rec("same", 1000, "k", "m", "p", "d", 10, 5, 100),
                                   rec("same", 1000, "k", "m", "p", "d", 10, 5, 100)});
  EXPECT_TRUE(again[0]);
  EXPECT_TRUE(again[1]);
  EXPECT_EQ(count_rows(path), 1);
  auto rows = ledger.usage({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].requests, 1);
  EXPECT_EQ((*rows)[0].cost_nano_usd, 100);
}

TEST(SqliteLedger, RelaxedCompletesAtOnceAndFlushesWithin100ms) {
  const std::string path = temp_db("relaxed");
  SqliteLedger ledger(path, config::LedgerSync::Relaxed, real_clock());
  const auto t0 = std::chrono::steady_clock::now();
  auto results = record_all(ledger, {rec("x1", 1, "k", "m", "p", "d", 1, 1, 1),
                                     rec("x2", 2, "k", "m", "p", "d", 1, 1, 1)});
  ASSERT_TRUE(results[0]);
  ASSERT_TRUE(results[1]);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(count_rows(path), 2);
}

TEST(SqliteLedger, RelaxedCommitsASteadyFlowInFewTransactions) {
  const std::string path = temp_db("relaxed_flow");
  SqliteLedger ledger(path, config::LedgerSync::Relaxed, real_clock());
  // 100 records, one every millisecond: each would find the writer idle and be its own commit.
  net::io_context io;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        net::steady_timer t(co_await net::this_coro::executor);
        for (int i = 0; i < 100; ++i) {
          auto r = co_await ledger.record(rec("s" + std::to_string(i), i, "k", "m", "p", "d", 1, 1, 1));
          EXPECT_TRUE(r);
          t.expires_after(1ms);
          co_await t.async_wait(net::use_awaitable);
        }
      },
      net::detached);
  const auto t0 = std::chrono::steady_clock::now();
  io.run();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ledger.flush_blocking();
  EXPECT_EQ(count_rows(path), 100);
  // About one commit per 20 ms of the flow, plus the first and the flush.
  EXPECT_LE(ledger.counters().commits, static_cast<uint64_t>(elapsed.count() / 20 + 3)) << "over " << elapsed.count() << " ms";
}

TEST(SqliteLedger, RelaxedRecordsWaitingForTheNextCommitAreWrittenAtDestruction) {
  const std::string path = temp_db("relaxed_stop");
  const auto t0 = std::chrono::steady_clock::now();
  {
    SqliteLedger ledger(path, config::LedgerSync::Relaxed, real_clock());
    record_all(ledger, {rec("first", 0, "k", "m", "p", "d", 1, 1, 1)});  // commits at once
    std::this_thread::sleep_for(5ms);
    std::vector<UsageRecord> recs;
    for (int i = 0; i < 30; ++i) {
      recs.push_back(rec("w" + std::to_string(i), i, "k", "m", "p", "d", 1, 1, 1));
    }
    record_all(ledger, std::move(recs));  // inside the 20 ms window: queued, not yet committed
  }  // no flush: the destructor must not lose them, nor sit out the window
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(count_rows(path), 31);
}

TEST(SqliteLedger, FlushBlockingDrainsAndRecordsSurviveReopen) {
  const std::string path = temp_db("reopen");
  {
    SqliteLedger ledger(path, config::LedgerSync::Relaxed, real_clock());
    std::vector<UsageRecord> recs;
    for (int i = 0; i < 50; ++i) {
      recs.push_back(rec("f" + std::to_string(i), i, "k", "m", "p", "d", 2, 3, 7));
    }
    record_all(ledger, std::move(recs));
    ledger.flush_blocking();
    EXPECT_EQ(count_rows(path), 50);
  }
  SqliteLedger reopened(path, config::LedgerSync::Strict, real_clock());
  auto rows = reopened.usage({.group_by = {"key"}});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].requests, 50);
  EXPECT_EQ((*rows)[0].input_tokens, 100);
  EXPECT_EQ((*rows)[0].output_tokens, 150);
  EXPECT_EQ((*rows)[0].cost_nano_usd, 350);
}

TEST(SqliteLedger, StoresEveryFieldOfTheRecord) {
  const std::string path = temp_db("fields");
  {
    SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
    UsageRecord r = rec("full", 1234, "team", "claude", "aws", "us.claude", 11, 22, 33);
    r.key_id = "key_abc";
    r.usage.cache_read = 3;
    r.usage.cache_write = 4;
    r.usage.reasoning = 5;
    r.usage_counted = true;
    r.status = 499;
    r.outcome = "client_disconnected";
    r.latency_ms = 250;
    r.ttft_ms = 40;
    r.stream = true;
    record_all(ledger, {r});
  }
  auto db = storage::Db::open(path);
  auto st = db->prepare(
      "SELECT request_id, time_ms, key_id, key_name, model, provider, deployment, input_tokens,"
      " output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, usage_counted,"
      " cost_nano_usd, status, outcome, latency_ms, ttft_ms, stream FROM usage");
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->column_text(0), "full");
  EXPECT_EQ(st->column_int64(1), 1234);
  EXPECT_EQ(st->column_text(2), "key_abc");
  EXPECT_EQ(st->column_text(3), "team");
  EXPECT_EQ(st->column_text(4), "claude");
  EXPECT_EQ(st->column_text(5), "aws");
  EXPECT_EQ(st->column_text(6), "us.claude");
  EXPECT_EQ(st->column_int64(7), 11);
  EXPECT_EQ(st->column_int64(8), 22);
  EXPECT_EQ(st->column_int64(9), 3);
  EXPECT_EQ(st->column_int64(10), 4);
  EXPECT_EQ(st->column_int64(11), 5);
  EXPECT_EQ(st->column_int64(12), 1);
  EXPECT_EQ(st->column_int64(13), 33);
  EXPECT_EQ(st->column_int64(14), 499);
  EXPECT_EQ(st->column_text(15), "client_disconnected");
  EXPECT_EQ(st->column_int64(16), 250);
  EXPECT_EQ(st->column_int64(17), 40);
  EXPECT_EQ(st->column_int64(18), 1);
}

// A failed write is retried, never dropped: the table vanishes under the writer and comes back.
TEST(SqliteLedger, FailedWritesAreRetriedUntilDurable) {
  const std::string path = temp_db("retry");
  SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
  auto other = storage::Db::open(path);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->exec("DROP TABLE usage"));
  std::thread restore([&] {
    std::this_thread::sleep_for(150ms);  // after the first tries failed
    ASSERT_TRUE(other->exec(storage::migrations()[0].sql));
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto results = record_all(ledger, {rec("kept", 1, "k", "m", "p", "d", 1, 1, 1)});
  restore.join();
  EXPECT_TRUE(results[0]) << "completed once the retry committed";
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms) << "not before the record was durable";
  EXPECT_EQ(count_rows(path), 1);
  EXPECT_EQ(ledger.counters().commits, 1u);
}

// SQLITE_CONSTRAINT is permanent: the refused record is isolated and rejected, the rest of its
// batch committed (a missing table, above, is retried instead).
TEST(SqliteLedger, ARecordRefusedByAConstraintIsRejectedAndTheRestCommitted) {
  const std::string path = temp_db("reject");
  SqliteLedger ledger(path, config::LedgerSync::Strict, real_clock());
  auto other = storage::Db::open(path);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->exec("CREATE TRIGGER no_evil BEFORE INSERT ON usage WHEN NEW.key_name = 'evil'"
                          " BEGIN SELECT RAISE(ABORT, 'evil'); END"));
  auto results = record_all(ledger, {rec("a", 1, "k", "m", "p", "d", 1, 1, 1), rec("bad", 1, "evil", "m", "p", "d", 1, 1, 1),
                                     rec("b", 1, "k", "m", "p", "d", 1, 1, 1)});
  EXPECT_TRUE(results[0]);
  EXPECT_FALSE(results[1]);
  EXPECT_TRUE(results[2]);
  EXPECT_EQ(count_rows(path), 2);
}

class SqliteLedgerUsage : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = std::make_unique<SqliteLedger>(temp_db("usage"), config::LedgerSync::Strict, real_clock());
    record_all(*ledger_, {
                             rec("u1", 1000, "a", "m1", "p1", "d1", 10, 1, 100),
                             rec("u2", 2000, "a", "m1", "p2", "d2", 20, 2, 200),
                             rec("u3", 3000, "a", "m2", "p1", "d3", 30, 3, 300),
                             rec("u4", 4000, "b", "m1", "p1", "d1", 40, 4, 400),
                         });
  }
  std::unique_ptr<SqliteLedger> ledger_;
};

TEST_F(SqliteLedgerUsage, NoGroupByGivesOneTotalRow) {
  auto rows = ledger_->usage({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const auto& r = (*rows)[0];
  EXPECT_EQ(r.requests, 4);
  EXPECT_EQ(r.input_tokens, 100);
  EXPECT_EQ(r.output_tokens, 10);
  EXPECT_EQ(r.cost_nano_usd, 1000);
  EXPECT_TRUE(r.key.empty() && r.model.empty() && r.provider.empty() && r.deployment.empty());
}

TEST_F(SqliteLedgerUsage, GroupsByAnySubset) {
  auto by_key = ledger_->usage({.group_by = {"key"}});
  ASSERT_TRUE(by_key);
  ASSERT_EQ(by_key->size(), 2u);
  EXPECT_EQ((*by_key)[0].key, "a");
  EXPECT_EQ((*by_key)[0].requests, 3);
  EXPECT_EQ((*by_key)[0].cost_nano_usd, 600);
  EXPECT_TRUE((*by_key)[0].model.empty());
  EXPECT_EQ((*by_key)[1].key, "b");

  auto by_model_provider = ledger_->usage({.group_by = {"model", "provider"}});
  ASSERT_TRUE(by_model_provider);
  ASSERT_EQ(by_model_provider->size(), 3u);  // m1/p1 (u1,u4), m1/p2, m2/p1
  EXPECT_EQ((*by_model_provider)[0].model, "m1");
  EXPECT_EQ((*by_model_provider)[0].provider, "p1");
  EXPECT_EQ((*by_model_provider)[0].requests, 2);
  EXPECT_EQ((*by_model_provider)[0].input_tokens, 50);
  EXPECT_TRUE((*by_model_provider)[0].key.empty());

  auto by_dep = ledger_->usage({.group_by = {"deployment"}});
  ASSERT_TRUE(by_dep);
  ASSERT_EQ(by_dep->size(), 3u);
  EXPECT_EQ((*by_dep)[0].deployment, "d1");
  EXPECT_EQ((*by_dep)[0].requests, 2);
}

TEST_F(SqliteLedgerUsage, SinceIsInclusiveUntilIsExclusive) {
  auto rows = ledger_->usage({.group_by = {"key"}, .since_ms = 2000, .until_ms = 4000});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].key, "a");
  EXPECT_EQ((*rows)[0].requests, 2);  // u2, u3
  auto none = ledger_->usage({.since_ms = 5000});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteLedgerUsage, UnknownGroupByIsInvalid) {
  auto rows = ledger_->usage({.group_by = {"key; DROP TABLE usage"}});
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, Code::InvalidRequest);
}

TEST_F(SqliteLedgerUsage, SpentSinceSumsOneKeysCost) {
  EXPECT_EQ(*ledger_->spent_since("id-a", 0), 600);
  EXPECT_EQ(*ledger_->spent_since("id-a", 2000), 500);
  EXPECT_EQ(*ledger_->spent_since("id-b", 0), 400);
  EXPECT_EQ(*ledger_->spent_since("nobody", 0), 0);
}

TEST_F(SqliteLedgerUsage, ProviderSpendSumsTheProvidersCostInARange) {
  EXPECT_EQ(*ledger_->provider_spend({"p1"}, 0, INT64_MAX), 800);        // u1, u3, u4
  EXPECT_EQ(*ledger_->provider_spend({"p1", "p2"}, 0, INT64_MAX), 1000);  // every record
  EXPECT_EQ(*ledger_->provider_spend({"p1"}, 1000, 4000), 400);           // u1, u3: until is exclusive
  EXPECT_EQ(*ledger_->provider_spend({"p2", "nobody"}, 2001, INT64_MAX), 0);
  EXPECT_EQ(*ledger_->provider_spend({}, 0, INT64_MAX), 0);
}

}  // namespace
}  // namespace gw
