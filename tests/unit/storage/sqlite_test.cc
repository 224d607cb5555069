#include "gw/storage/sqlite.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gw/storage/migrations.h"
#include "gw/storage/time_text.h"

namespace gw::storage {
namespace {

std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("gw_storage_" + name + "_" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

TEST(Sqlite, OpensInWalModeAndRoundTripsValues) {
  auto db = Db::open(temp_db("wal"));
  ASSERT_TRUE(db) << db.error().message;
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");

  ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER, b TEXT, c INTEGER)"));
  auto ins = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
  ASSERT_TRUE(ins);
  ins->bind(1, int64_t{-5}).bind(2, std::string_view("x\0y", 3)).bind(3, std::optional<int64_t>{});
  ASSERT_TRUE(ins->run());
  EXPECT_EQ(db->changes(), 1);

  auto sel = db->prepare("SELECT a, b, c FROM t");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(*sel->step());
  EXPECT_EQ(sel->column_int64(0), -5);
  EXPECT_EQ(sel->column_text(1), std::string("x\0y", 3));
  EXPECT_TRUE(sel->column_is_null(2));
  EXPECT_EQ(sel->column_optional_int64(2), std::nullopt);
  EXPECT_FALSE(*sel->step());
}

// The ledger holds key hashes and every team's usage: a new database and its WAL are the owner's
// alone (SQLite's own default is 0644); an existing file keeps the mode its owner gave it.
TEST(Sqlite, ANewDatabaseAndItsWalAreReadableByTheOwnerOnly) {
  const std::string path = temp_db("mode");
  {
    auto db = Db::open(path);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER)"));
    namespace fs = std::filesystem;
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_TRUE(fs::exists(path + "-wal"));
    EXPECT_EQ(fs::status(path + "-wal").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  auto again = Db::open(path);
  ASSERT_TRUE(again);
  EXPECT_TRUE((std::filesystem::status(path).permissions() & std::filesystem::perms::group_read) !=
              std::filesystem::perms::none);
}

TEST(Sqlite, ErrorsAreValues) {
  auto db = Db::open(temp_db("errors"));
  ASSERT_TRUE(db);
  auto bad = db->prepare("SELEC nonsense");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sqlite"), std::string::npos);
  EXPECT_FALSE(db->exec("INSERT INTO missing VALUES (1)"));
  EXPECT_FALSE(Db::open("/nonexistent-dir/x/y.db"));
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
  auto db = Db::open(temp_db("tx"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("CREATE TABLE t (a INTEGER)"));
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1)"));
  }
  {
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (2)"));
    ASSERT_TRUE(tx->commit());
  }
  auto sel = db->prepare("SELECT group_concat(a) FROM t");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(*sel->step());
  EXPECT_EQ(sel->column_text(0), "2");
}

TEST(Migrations, ApplyInOrderOnceAndTrackVersion) {
  const std::string path = temp_db("migrate");
  const std::vector<Migration> list = {
      {1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (7);"},
  };
  {
    auto db = Db::open(path);
    ASSERT_TRUE(db);
    auto v = migrate(*db, {list[0]});
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(*v, 1);
  }
  auto db = Db::open(path);
  ASSERT_TRUE(db);
  auto v = migrate(*db, list);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 2);
  v = migrate(*db, list);  // nothing new: the INSERT of 0002 must not run twice
  ASSERT_TRUE(v);
  auto sel = db->prepare("SELECT COUNT(*) FROM a");
  ASSERT_TRUE(*sel->step());
  EXPECT_EQ(sel->column_int64(0), 1);
  auto ver = db->prepare("SELECT group_concat(version || ':' || name) FROM schema_version");
  ASSERT_TRUE(*ver->step());
  EXPECT_EQ(ver->column_text(0), "1:0001_a.sql,2:0002_b.sql");
}

TEST(Migrations, FailedMigrationLeavesNoTrace) {
  auto db = Db::open(temp_db("migrate_fail"));
  ASSERT_TRUE(db);
  const std::vector<Migration> list = {{1, "0001_bad.sql", "CREATE TABLE c (x); SELEC oops;"}};
  EXPECT_FALSE(migrate(*db, list));
  auto sel = db->prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'");
  ASSERT_TRUE(*sel->step());
  EXPECT_EQ(sel->column_int64(0), 0);
}

// The embedded SQL must be exactly what migrations/ holds, in file-name order, with no gaps.
TEST(Migrations, EmbeddedSqlMirrorsTheMigrationsFolder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(GW_SOURCE_DIR) + "/migrations")) {
    if (e.path().extension() == ".sql") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  const auto& embedded = migrations();
  ASSERT_EQ(files.size(), embedded.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i]);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(embedded[i].version, static_cast<int>(i + 1));
    EXPECT_EQ(embedded[i].name, files[i].filename().string());
    EXPECT_EQ(embedded[i].sql, text.str()) << files[i];
  }
  auto db = Db::open(temp_db("real"));
  ASSERT_TRUE(db);
  auto v = migrate(*db);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, static_cast<int>(embedded.size()));
}

TEST(TimeText, FormatsAndParsesRfc3339) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1709294096789), "2024-03-01T11:54:56.789Z");
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T11:54:56.789Z"), 1709294096789);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T11:54:56Z"), 1709294096000);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01t11:54:56.7891234z"), 1709294096789);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T13:54:56+02:00"), 1709294096000);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T06:24:56-05:30"), 1709294096000);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01"), 1709251200000);
  EXPECT_EQ(parse_rfc3339_ms("2024-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T25:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T11:54:56"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_ms("yesterday"), std::nullopt);
  EXPECT_EQ(parse_rfc3339_ms("2024-03-01T11:54:56Zjunk"), std::nullopt);
}

}  // namespace
}  // namespace gw::storage
