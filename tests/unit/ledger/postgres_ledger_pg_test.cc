// PostgresLedger against a real PostgreSQL 15 server (the ctest fixture `postgres`).
#include "gw/ledger/postgres_ledger.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "gw/common/log_sink.h"
#include "gw/ledger/make_ledger.h"
#include "gw/ledger/sqlite_ledger.h"
#include "ledger_records.h"
#include "postgres_test_db.h"
#include "tcp_proxy.h"

namespace gw {
namespace {

using namespace std::chrono_literals;
using testing::pg_exec;
using testing::PostgresTestDb;
using testing::TcpProxy;

constexpr auto& rec = test::usage_record;
using test::record_all;

int64_t count_rows(storage::PgConnection& c, const std::string& where = "TRUE") {
  return pg_exec(c, "SELECT COUNT(*) FROM usage WHERE " + where).int64(0, 0);
}

std::vector<UsageRecord> numbered(const std::string& prefix, int n, int64_t cost = 1) {
  std::vector<UsageRecord> recs;
  for (int i = 0; i < n; ++i) {
    recs.push_back(rec(prefix + std::to_string(i), 1000 + i, "k", "m", "p", "d", 1, 1, cost));
  }
  return recs;
}

std::string thrown_by(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

// Makes every inserted row carry, in its outcome, the synchronous_commit of the session that
// inserted it: what the writer's transactions ran with.
void record_commit_setting(storage::PgConnection& c) {
  pg_exec(c,
          "CREATE FUNCTION note_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
          " NEW.outcome := current_setting('synchronous_commit'); RETURN NEW; END $$");
  pg_exec(c,
          "CREATE TRIGGER note_sync BEFORE INSERT ON usage FOR EACH ROW EXECUTE FUNCTION note_sync()");
}

TEST(PostgresLedger, StrictRecordIsCommittedWhenItCompletes) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto other = db.connect();
  // Durable, not only visible: the writer's transaction ran with synchronous_commit=on (the WAL
  // was flushed before COMMIT returned), set by the ledger itself, whatever the database says.
  pg_exec(other, "ALTER DATABASE " + db.name() + " SET synchronous_commit = off");
  record_commit_setting(other);
  ASSERT_EQ(db.terminate(PostgresLedger::kWriterName), 1);  // a fresh session, with that default
  int64_t seen_at_completion = -1;
  net::io_context io;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto r = co_await ledger.record(rec("r1", 1000, "k", "m", "p", "d", 10, 5, 42));
        EXPECT_TRUE(r) << r.error().message;
        // Completed means committed: another connection sees it at this very moment.
        seen_at_completion = count_rows(other);
      },
      net::detached);
  io.run();
  EXPECT_EQ(seen_at_completion, 1);
  EXPECT_EQ(pg_exec(other, "SELECT outcome FROM usage WHERE request_id = 'r1'").text(0, 0), "on");
  EXPECT_EQ(ledger.counters().commits, 1u);
  EXPECT_EQ(ledger.counters().records, 1u);
}

TEST(PostgresLedger, GroupCommitServesManyConcurrentRecordsWithFewCommits) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto results = record_all(ledger, numbered("g", 100), 4);
  for (const auto& r : results) {
    ASSERT_TRUE(r) << r.error().message;
  }
  auto other = db.connect();
  EXPECT_EQ(count_rows(other), 100);
  EXPECT_LE(ledger.counters().commits, 20u) << "one commit should serve many records";
  EXPECT_GE(ledger.counters().commits, 1u);
  EXPECT_EQ(ledger.counters().records, 100u);
}

TEST(PostgresLedger, ReplayedRequestIdIsCountedOnce) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  record_all(ledger, {rec("same", 1000, "k", "m", "p", "d", 10, 5, 100)});
  // Again in a later group, and twice within one group.
  auto again = record_all(ledger, {rec("same", 1000, "k", "m", "p", "d", 10, 5, 100),
                                   rec("same", 1000, "k", "m", "p", "d", 10, 5, 100)});
  EXPECT_TRUE(again[0]);
  EXPECT_TRUE(again[1]);
  auto other = db.connect();
  EXPECT_EQ(count_rows(other), 1);
  auto rows = ledger.usage({});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].requests, 1);
  EXPECT_EQ((*rows)[0].cost_nano_usd, 100);
}

TEST(PostgresLedger, RelaxedCompletesAtOnceAndFlushBlockingCommits) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Relaxed, real_clock());
  auto results = record_all(ledger, numbered("x", 50));
  for (const auto& r : results) {
    ASSERT_TRUE(r);
  }
  ledger.flush_blocking();
  auto other = db.connect();
  EXPECT_EQ(count_rows(other), 50);
  EXPECT_EQ(ledger.counters().records, 50u);
}

// Relaxed keeps synchronous_commit=on: `off` could lose up to 600 ms of commits to a server crash.
TEST(PostgresLedger, RelaxedCommitsAreDurableToo) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Relaxed, real_clock());
  auto other = db.connect();
  pg_exec(other, "ALTER DATABASE " + db.name() + " SET synchronous_commit = off");  // not the server's say
  record_commit_setting(other);
  ASSERT_EQ(db.terminate(PostgresLedger::kWriterName), 1);  // a fresh session gets it again
  record_all(ledger, {rec("r1", 1, "k", "m", "p", "d", 1, 1, 1)});
  ledger.flush_blocking();
  EXPECT_EQ(pg_exec(other, "SELECT outcome FROM usage WHERE request_id = 'r1'").text(0, 0), "on");
}

TEST(PostgresLedger, RelaxedRecordsAreWrittenAtDestruction) {
  PostgresTestDb db;
  {
    PostgresLedger ledger(db.url(), config::LedgerSync::Relaxed, real_clock());
    record_all(ledger, {rec("first", 0, "k", "m", "p", "d", 1, 1, 1)});
    record_all(ledger, numbered("w", 30));
  }  // no flush: the destructor must not lose them
  auto other = db.connect();
  EXPECT_EQ(count_rows(other), 31);
}

TEST(PostgresLedger, StoresEveryFieldOfTheRecord) {
  PostgresTestDb db;
  {
    PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
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
    UsageRecord plain = rec("plain", 1, "k", "m", "p", "d", 0, 0, 0);
    plain.ttft_ms = -1;
    record_all(ledger, {r, plain});
  }
  auto other = db.connect();
  auto row = pg_exec(other,
                     "SELECT request_id, time_ms, key_id, key_name, model, provider, deployment, input_tokens,"
                     " output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,"
                     " usage_counted::int, cost_nano_usd, status, outcome, latency_ms, ttft_ms, stream::int"
                     " FROM usage ORDER BY request_id");
  ASSERT_EQ(row.rows(), 2);
  EXPECT_EQ(row.text(0, 0), "full");
  EXPECT_EQ(row.int64(0, 1), 1234);
  EXPECT_EQ(row.text(0, 2), "key_abc");
  EXPECT_EQ(row.text(0, 3), "team");
  EXPECT_EQ(row.text(0, 4), "claude");
  EXPECT_EQ(row.text(0, 5), "aws");
  EXPECT_EQ(row.text(0, 6), "us.claude");
  EXPECT_EQ(row.int64(0, 7), 11);
  EXPECT_EQ(row.int64(0, 8), 22);
  EXPECT_EQ(row.int64(0, 9), 3);
  EXPECT_EQ(row.int64(0, 10), 4);
  EXPECT_EQ(row.int64(0, 11), 5);
  EXPECT_EQ(row.int64(0, 12), 1);
  EXPECT_EQ(row.int64(0, 13), 33);
  EXPECT_EQ(row.int64(0, 14), 499);
  EXPECT_EQ(row.text(0, 15), "client_disconnected");
  EXPECT_EQ(row.int64(0, 16), 250);
  EXPECT_EQ(row.int64(0, 17), 40);
  EXPECT_EQ(row.int64(0, 18), 1);
  EXPECT_EQ(row.text(1, 0), "plain");
  EXPECT_EQ(row.int64(1, 12), 0);
  EXPECT_EQ(row.int64(1, 17), -1);
  EXPECT_EQ(row.int64(1, 18), 0);
}

// The same records through both backends give the same reports: grouping, bytewise order (upper
// case before lower, multi-byte UTF-8 last), since inclusive and until exclusive, exact sums of
// large nano-USD amounts, and text that needs quoting in an array literal.
TEST(PostgresLedger, UsageAndSpendEqualTheSqliteLedgersForTheSameRecords) {
  PostgresTestDb db;
  const std::string sqlite_path = (std::filesystem::temp_directory_path() /
                                   ("gw_pg_parity_" + std::to_string(::getpid()) + ".db")).string();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(sqlite_path + suffix);
  }
  std::vector<UsageRecord> recs = {
      rec("u1", 1000, "alpha", "m1", "p1", "d1", 10, 1, 100),
      rec("u2", 2000, "alpha", "m1", "p2", "d2", 20, 2, 200),
      rec("u3", 3000, "alpha", "m2", "p1", "d3", 30, 3, 300),
      rec("u4", 4000, "Beta", "m1", "p1", "d1", 40, 4, 400),
      rec("u5", 5000, "beta", "M1", "p1", "d1", 50, 5, 4'000'000'000'000'000'000),
      rec("u6", 6000, "quote\"back\\slash,{x}", "m\xc3\xa9", "p1", "d 1", 60, 6, 4'000'000'000'000'000'001),
      rec("u7", 7000, "\xe2\x82\xac-euro", "m1", "p-\xc3\xa9", "d1", 70, 7, 7),
      rec("u8", 8000, "NULL", "", "p1", "d1", 80, 8, 8),
  };
  recs[2].usage.cache_read = 9;
  recs[3].usage.cache_write = 11;
  SqliteLedger lite(sqlite_path, config::LedgerSync::Strict, real_clock());
  PostgresLedger pg(db.url(), config::LedgerSync::Strict, real_clock());
  for (const auto& r : record_all(lite, recs)) {
    ASSERT_TRUE(r);
  }
  for (const auto& r : record_all(pg, recs)) {
    ASSERT_TRUE(r) << r.error().message;
  }
  const std::vector<std::vector<std::string>> groupings = {
      {}, {"key"}, {"model"}, {"provider"}, {"deployment"}, {"model", "provider"},
      {"provider", "model"}, {"key", "model", "provider", "deployment"}, {"deployment", "key", "key"}};
  const std::vector<std::pair<std::optional<int64_t>, std::optional<int64_t>>> ranges = {
      {std::nullopt, std::nullopt}, {2000, 4000}, {2000, std::nullopt}, {std::nullopt, 5000},
      {5000, 5001}, {9000, std::nullopt}, {4000, 4000}};
  auto as_text = [](const std::vector<UsageRow>& rows) {
    std::string out;
    for (const auto& r : rows) {
      out += r.key + "|" + r.model + "|" + r.provider + "|" + r.deployment + "|" + std::to_string(r.requests) +
             "|" + std::to_string(r.input_tokens) + "|" + std::to_string(r.output_tokens) + "|" +
             std::to_string(r.cache_read_tokens) + "|" + std::to_string(r.cache_write_tokens) + "|" +
             std::to_string(r.cost_nano_usd) + "\n";
    }
    return out;
  };
  int nonempty = 0;
  for (const auto& g : groupings) {
    for (const auto& [since, until] : ranges) {
      UsageQuery q{g, since, until};
      auto a = lite.usage(q);
      auto b = pg.usage(q);
      ASSERT_TRUE(a);
      ASSERT_TRUE(b) << b.error().message;
      EXPECT_EQ(as_text(*b), as_text(*a)) << "group_by size " << g.size() << " since "
                                          << since.value_or(-1) << " until " << until.value_or(-1);
      nonempty += a->empty() ? 0 : 1;
    }
  }
  EXPECT_GT(nonempty, 40) << "the comparison must cover real rows";
  auto by_key = pg.usage({.group_by = {"key"}});
  ASSERT_TRUE(by_key);
  ASSERT_EQ(by_key->size(), 6u);
  EXPECT_EQ((*by_key)[0].key, "Beta") << "bytewise: upper case first";
  EXPECT_EQ((*by_key)[5].key, "\xe2\x82\xac-euro") << "bytewise: multi-byte UTF-8 last";
  auto total = pg.usage({});
  ASSERT_TRUE(total);
  EXPECT_EQ((*total)[0].cost_nano_usd, 8'000'000'000'000'001'016) << "exact integer sums";

  for (const std::string key : {"id-alpha", "id-beta", "id-quote\"back\\slash,{x}", "nobody"}) {
    for (int64_t since : {0, 2000, 5000, 9000}) {
      auto a = lite.spent_since(key, since);
      auto b = pg.spent_since(key, since);
      ASSERT_TRUE(a);
      ASSERT_TRUE(b) << b.error().message;
      EXPECT_EQ(*b, *a) << key << " since " << since;
    }
  }
  EXPECT_EQ(*pg.spent_since("id-alpha", 2000), 500);
  for (const std::vector<std::string>& providers :
       {std::vector<std::string>{"p1"}, {"p2"}, {"p1", "p2"}, {"nobody", "p2"}, {}}) {
    for (const auto& [since, until] : std::vector<std::pair<int64_t, int64_t>>{
             {0, INT64_MAX}, {2000, 4000}, {4000, 4000}, {5000, 9000}}) {
      auto a = lite.provider_spend(providers, since, until);
      auto b = pg.provider_spend(providers, since, until);
      ASSERT_TRUE(a);
      ASSERT_TRUE(b) << b.error().message;
      EXPECT_EQ(*b, *a) << providers.size() << " providers from " << since << " until " << until;
    }
  }
  EXPECT_EQ(*pg.provider_spend({"p2"}, 0, INT64_MAX), 200);
  EXPECT_EQ(*pg.spent_since("id-beta", 0), 4'000'000'000'000'000'000);
  auto bad = pg.usage({.group_by = {"key; DROP TABLE usage"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidRequest);
}

// The writer's connection is killed between groups and again while groups are in flight: every
// record is committed exactly once, and strict callers see success.
TEST(PostgresLedger, ADroppedConnectionLosesAndDuplicatesNothing) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  for (const auto& r : record_all(ledger, numbered("before", 20))) {
    ASSERT_TRUE(r);
  }
  ASSERT_EQ(db.terminate(PostgresLedger::kWriterName), 1) << "the writer has one connection";
  for (const auto& r : record_all(ledger, numbered("after", 20))) {
    EXPECT_TRUE(r) << r.error().message;
  }
  // Killed again while 200 records arrive from 4 threads.
  std::vector<Result<void>> results;
  std::thread producer([&] { results = record_all(ledger, numbered("during", 200), 4); });
  int killed = 0;
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(20ms);
    killed += db.terminate(PostgresLedger::kWriterName);
  }
  producer.join();
  for (const auto& r : results) {
    EXPECT_TRUE(r) << r.error().message;
  }
  EXPECT_GE(killed, 1);
  ledger.flush_blocking();
  auto other = db.connect();
  // request_id is the primary key, so duplicates cannot be counted: compare the exact set instead.
  std::set<std::string> expected;
  for (const char* prefix : {"before", "after"}) {
    for (int i = 0; i < 20; ++i) {
      expected.insert(prefix + std::to_string(i));
    }
  }
  for (int i = 0; i < 200; ++i) {
    expected.insert("during" + std::to_string(i));
  }
  std::set<std::string> stored;
  auto ids = pg_exec(other, "SELECT request_id FROM usage");
  for (int i = 0; i < ids.rows(); ++i) {
    stored.insert(ids.text(i, 0));
  }
  EXPECT_EQ(ids.rows(), 240);
  EXPECT_EQ(stored, expected);
  // Reports reconnect as well.
  ASSERT_EQ(db.terminate(PostgresLedger::kReportReaderName), 1);
  ASSERT_EQ(db.terminate(PostgresLedger::kSpendReaderName), 1);
  auto rows = ledger.usage({});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ((*rows)[0].requests, 240);
  EXPECT_EQ(*ledger.spent_since("id-k", 0), 240);
}

// A write that keeps failing (the table is away) holds strict callers for a bounded time, then
// tells them; the record stays queued and is committed once the table is back.
TEST(PostgresLedger, AWriteThatKeepsFailingIsReportedThenRetriedUntilCommitted) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto other = db.connect();
  pg_exec(other, "ALTER TABLE usage RENAME TO usage_away");
  auto results = record_all(ledger, {rec("kept", 1, "k", "m", "p", "d", 1, 1, 1)});
  ASSERT_FALSE(results[0]) << "bounded: the caller is told";
  EXPECT_EQ(results[0].error().code, Code::Internal);
  EXPECT_NE(results[0].error().message.find("kept for retry"), std::string::npos);
  pg_exec(other, "ALTER TABLE usage_away RENAME TO usage");
  ledger.flush_blocking();
  EXPECT_EQ(count_rows(other, "request_id = 'kept'"), 1);
  EXPECT_EQ(ledger.counters().commits, 1u);
}

// A reconnect whose PREPARE fails (the table is away just then) must not leave a session up
// without its statement: every later write would fail with "prepared statement does not exist"
// and nothing would reconnect it again.
TEST(PostgresLedger, AReconnectThatFailsHalfwayIsRetriedFromAFreshSession) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Relaxed, real_clock());
  auto other = db.connect();
  pg_exec(other, "ALTER TABLE usage RENAME TO usage_away");
  ASSERT_EQ(db.terminate(PostgresLedger::kWriterName), 1);
  ASSERT_TRUE(record_all(ledger, {rec("x", 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
  // Time for the failed write and a reconnect that fails at PREPARE (backing off 100 ms, 200 ms).
  std::this_thread::sleep_for(500ms);
  pg_exec(other, "ALTER TABLE usage_away RENAME TO usage");
  ledger.flush_blocking();
  EXPECT_EQ(count_rows(other, "request_id = 'x'"), 1);
}

// PostgreSQL refuses NUL and invalid UTF-8 in text: such a record used to fail its batch forever,
// and every record queued behind it waited. It is stored with U+FFFD instead.
TEST(PostgresLedger, TextPostgresCannotStoreIsWrittenWithReplacementCharacters) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto bad_nul = rec("nul", 1, std::string("a\0b", 3), "m", "p", "d", 1, 1, 1);
  auto bad_utf8 = rec("utf8", 1, "a\xff" "b", "m\xc3", "p\xed\xa0\x80", "d", 1, 1, 1);
  auto results = record_all(ledger, {bad_nul, bad_utf8, rec("innocent", 1, "fine", "m", "p", "d", 1, 1, 1)});
  for (const auto& r : results) {
    EXPECT_TRUE(r) << r.error().message;
  }
  auto other = db.connect();
  auto rows = pg_exec(other, "SELECT request_id, key_name, model, provider FROM usage ORDER BY request_id");
  ASSERT_EQ(rows.rows(), 3);
  EXPECT_EQ(rows.text(0, 0), "innocent");
  EXPECT_EQ(rows.text(1, 1), "a\uFFFDb");
  EXPECT_EQ(rows.text(2, 1), "a\uFFFDb");
  EXPECT_EQ(rows.text(2, 2), "m\uFFFD");
  EXPECT_EQ(rows.text(2, 3), "p\uFFFD\uFFFD\uFFFD");
}

// A record the database refuses for good (here a CHECK constraint) is isolated from its batch,
// logged in full, and its waiter told; every other record of the batch is committed.
TEST(PostgresLedger, ARecordTheDatabaseRefusesIsRejectedAndTheRestCommitted) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto other = db.connect();
  pg_exec(other, "ALTER TABLE usage ADD CONSTRAINT no_evil CHECK (key_name <> 'evil')");
  auto recs = numbered("ok", 30);
  recs.insert(recs.begin() + 13, rec("evil-1", 7, "evil", "m", "p", "d", 3, 4, 5));
  ::testing::internal::CaptureStderr();
  auto results = record_all(ledger, recs);
  log_sink::flush();
  const std::string logged = ::testing::internal::GetCapturedStderr();
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(static_cast<bool>(results[i]), recs[i].request_id != "evil-1") << recs[i].request_id;
  }
  EXPECT_EQ(count_rows(other), 30);
  EXPECT_EQ(count_rows(other, "request_id = 'evil-1'"), 0);
  EXPECT_NE(logged.find("ledger_record_rejected"), std::string::npos) << logged;
  EXPECT_NE(logged.find("evil-1"), std::string::npos) << logged;
  // The ledger goes on.
  EXPECT_TRUE(record_all(ledger, {rec("after", 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
}

// Once a batch is failing long enough to tell its waiters, later strict records are told at once
// rather than waiting behind it; all of them are written once the table is back.
TEST(PostgresLedger, WaitersQueuedBehindAFailingBatchAreToldToo) {
  PostgresTestDb db;
  PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
  auto other = db.connect();
  pg_exec(other, "ALTER TABLE usage RENAME TO usage_away");
  auto first = record_all(ledger, {rec("first", 1, "k", "m", "p", "d", 1, 1, 1)});
  ASSERT_FALSE(first[0]);
  auto later = record_all(ledger, {rec("later", 1, "k", "m", "p", "d", 1, 1, 1)});
  ASSERT_FALSE(later[0]) << "returned at all: a hang is ended by ctest's timeout";
  EXPECT_NE(later[0].error().message.find("kept for retry"), std::string::npos) << later[0].error().message;
  pg_exec(other, "ALTER TABLE usage_away RENAME TO usage");
  ledger.flush_blocking();
  EXPECT_EQ(count_rows(other, "request_id IN ('first', 'later')"), 2);
}

// A blackholed database (the proxy stops forwarding, nothing is closed): a strict record
// completes with an error within the writer's bounds instead of hanging in libpq, budget reads
// give up too, and once the network is back the record is written exactly once.
TEST(PostgresLedger, AFrozenDatabaseFailsStrictRecordsWithinBoundsThenWritesThemOnce) {
  PostgresTestDb db;
  const std::string url = db.url();
  const size_t at = url.rfind('@');
  const size_t colon = url.find(':', at);
  TcpProxy proxy(std::stoi(url.substr(colon + 1, url.find('/', colon) - colon - 1)));
  const std::string via = url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy.port()) + url.substr(url.find('/', at));
  PostgresLedger::Bounds bounds;
  bounds.writer = {500ms, 300ms};
  bounds.spend = {500ms, 300ms};
  bounds.report = {500ms, 300ms};
  PostgresLedger ledger(via, config::LedgerSync::Strict, real_clock(), bounds);
  ASSERT_TRUE(record_all(ledger, {rec("before", 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
  proxy.freeze();
  auto frozen = record_all(ledger, {rec("h1", 1, "k", "m", "p", "d", 1, 1, 1)});
  ASSERT_FALSE(frozen[0]) << "returned at all: a hang is ended by ctest's timeout";
  EXPECT_NE(frozen[0].error().message.find("kept for retry"), std::string::npos) << frozen[0].error().message;
  EXPECT_FALSE(ledger.spent_since("id-k", 0));
  EXPECT_FALSE(ledger.usage({}));
  proxy.thaw();
  ledger.flush_blocking();
  auto other = db.connect();
  EXPECT_EQ(count_rows(other, "request_id = 'h1'"), 1);
  EXPECT_EQ(count_rows(other), 2);
  auto spent = ledger.spent_since("id-k", 0);
  ASSERT_TRUE(spent) << spent.error().message;
  EXPECT_EQ(*spent, 2);
}

// A role with only SELECT/INSERT/UPDATE/DELETE runs a ledger against a schema already current.
TEST(PostgresLedger, ARoleWithoutCreateRightsRunsAgainstACurrentSchema) {
  PostgresTestDb db;
  { PostgresLedger migrating(db.url(), config::LedgerSync::Strict, real_clock()); }
  const std::string role = "gw_dml_ledger_" + std::to_string(::getpid());
  const std::string url = testing::create_dml_only_role(db, role);
  {
    PostgresLedger ledger(url, config::LedgerSync::Strict, real_clock());
    auto r = record_all(ledger, {rec("dml", 1, "k", "m", "p", "d", 1, 1, 1)});
    EXPECT_TRUE(r[0]) << r[0].error().message;
    auto spent = ledger.spent_since("id-k", 0);
    ASSERT_TRUE(spent) << spent.error().message;
    EXPECT_EQ(*spent, 1);
  }
  testing::drop_role(db, role);
}

TEST(PostgresLedger, StartupErrorsNeverContainThePassword) {
  PostgresTestDb db;
  const std::string url = db.url();
  const std::string wrong = "postgres://switchyard:Wr0ngPassw0rd@" + url.substr(url.find('@') + 1);
  std::string what = thrown_by([&] { PostgresLedger l(wrong, config::LedgerSync::Strict, real_clock()); });
  EXPECT_NE(what.find("password authentication failed"), std::string::npos) << what;
  EXPECT_EQ(what.find("Wr0ngPassw0rd"), std::string::npos) << what;

  const std::string password = url.substr(url.find(':', 11) + 1, url.find('@') - url.find(':', 11) - 1);
  ASSERT_GE(password.size(), 16u);
  const std::string no_db = url.substr(0, url.rfind('/')) + "/no_such_database";
  what = thrown_by([&] { PostgresLedger l(no_db, config::LedgerSync::Strict, real_clock()); });
  EXPECT_NE(what.find("no_such_database"), std::string::npos) << what;
  EXPECT_EQ(what.find(password), std::string::npos) << what;

  config::Config cfg;
  cfg.ledger = "postgresql://switchyard:" + password + "@127.0.0.1:1/db";
  what = thrown_by([&] { make_ledger(cfg, real_clock()); });
  EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
  EXPECT_EQ(what.find(password), std::string::npos) << what;
  cfg.ledger = "postgres://switchyard:" + password + "@127.0.0.1:notaport/db";
  what = thrown_by([&] { make_ledger(cfg, real_clock()); });
  EXPECT_NE(what, "(nothing thrown)");
  EXPECT_EQ(what.find(password), std::string::npos) << what;
}

// A password holding URL delimiters, unencoded as base64 passwords often are, works and shows
// neither in start-up errors nor in the writer's log lines (a reconnect and a failed write).
TEST(PostgresLedger, PasswordsWithUrlDelimitersNeverShowInErrorsOrLogs) {
  PostgresTestDb db;
  auto admin = db.connect();
  const std::string password = "Zq9/Xw8@Vu7:Ts6#Rp5+Qo4=";
  const std::string role = "gw_special_" + std::to_string(::getpid());
  pg_exec(admin, "DROP ROLE IF EXISTS " + role);
  pg_exec(admin, "CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD '" + password + "'");
  const std::string rest = db.url().substr(db.url().rfind('@'));
  const std::string url = "postgres://" + role + ":" + password + rest;
  auto expect_hidden = [&](const std::string& text) {
    for (const char* piece : {"Zq9", "Xw8", "Vu7", "Ts6", "Rp5", "Qo4"}) {
      EXPECT_EQ(text.find(piece), std::string::npos) << text;
    }
  };
  // Start-up errors: a wrong database, an unreachable port, an ambiguous '?'.
  expect_hidden(thrown_by([&] {
    PostgresLedger l(url.substr(0, url.rfind('/')) + "/no_such_database", config::LedgerSync::Strict, real_clock());
  }));
  expect_hidden(thrown_by([&] {
    PostgresLedger l("postgres://" + role + ":" + password + "@127.0.0.1:1/db", config::LedgerSync::Strict,
                     real_clock());
  }));
  expect_hidden(thrown_by([&] {
    PostgresLedger l("postgres://" + role + ":Zq9?Xw8" + rest, config::LedgerSync::Strict, real_clock());
  }));
  {
    ::testing::internal::CaptureStderr();
    {
      PostgresLedger ledger(url, config::LedgerSync::Strict, real_clock());
      ASSERT_TRUE(record_all(ledger, {rec("p1", 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
      ASSERT_EQ(db.terminate(PostgresLedger::kWriterName), 1);
      ASSERT_TRUE(record_all(ledger, {rec("p2", 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
    }
    log_sink::flush();
    const std::string logged = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(logged.find("ledger_reconnected"), std::string::npos) << logged;
    expect_hidden(logged);
  }
  EXPECT_EQ(count_rows(admin), 2);
  pg_exec(admin, "DROP OWNED BY " + role);
  pg_exec(admin, "DROP ROLE " + role);
}

TEST(PostgresLedger, MakeLedgerChoosesPostgresForBothSchemes) {
  PostgresTestDb db;
  config::Config cfg;
  const std::string rest = db.url().substr(db.url().find("://"));
  for (const std::string scheme : {"postgres", "postgresql"}) {
    cfg.ledger = scheme + rest;
    auto ledger = make_ledger(cfg, real_clock());
    ASSERT_NE(dynamic_cast<PostgresLedger*>(ledger.get()), nullptr) << scheme;
    ASSERT_TRUE(record_all(*ledger, {rec(scheme, 1, "k", "m", "p", "d", 1, 1, 1)})[0]);
  }
  auto other = db.connect();
  EXPECT_EQ(count_rows(other), 2);
}

TEST(PostgresLedger, LedgersStartingAtOnceCreateTheSchemaOnce) {
  PostgresTestDb db;
  std::vector<std::thread> starters;
  std::atomic<int> failed{0};
  std::atomic<int> recorded{0};
  for (int i = 0; i < 4; ++i) {
    starters.emplace_back([&, i] {
      try {
        PostgresLedger ledger(db.url(), config::LedgerSync::Strict, real_clock());
        if (record_all(ledger, {rec("s" + std::to_string(i), i, "k", "m", "p", "d", 1, 1, 1)})[0]) {
          recorded++;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        failed++;
      }
    });
  }
  for (auto& t : starters) {
    t.join();
  }
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(recorded.load(), 4);
  auto other = db.connect();
  EXPECT_EQ(pg_exec(other, "SELECT COUNT(*), MAX(version) FROM schema_version").text(0, 0), "2");
  EXPECT_EQ(count_rows(other), 4);
}

}  // namespace
}  // namespace gw
