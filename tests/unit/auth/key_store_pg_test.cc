// The key store with its keys in a PostgreSQL ledger database (the ctest fixture `postgres`).
#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "counting_key_table.h"
#include "eventually.h"
#include "gw/auth/key_store_factory.h"
#include "gw/auth/key_table.h"
#include "gw/common/ids.h"
#include "gw/common/log_sink.h"
#include "postgres_test_db.h"
#include "tcp_proxy.h"

namespace gw {
namespace {

using namespace std::chrono_literals;
using testing::CountingKeyTable;
using testing::eventually;
using testing::pg_exec;
using testing::PostgresTestDb;
using testing::TcpProxy;

constexpr KeyStoreOptions kFastReload{5ms};
constexpr KeyStoreOptions kNoReload{std::chrono::hours(1)};

// The port of a postgres://user:pass@host:port/db URL.
int port_of(const std::string& url) {
  const size_t at = url.rfind('@');
  const size_t colon = url.find(':', at);
  return std::stoi(url.substr(colon + 1, url.find('/', colon) - colon - 1));
}

// The same URL through a proxy on 127.0.0.1.
std::string via(const std::string& url, const TcpProxy& proxy) {
  const size_t at = url.rfind('@');
  return url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy.port()) + url.substr(url.find('/', at));
}

config::Config pg_config(const PostgresTestDb& db) {
  config::Config cfg;
  cfg.ledger = db.url();
  config::StaticKey k;
  k.name = "team-a";
  k.key = "sk-static-team-a";
  cfg.keys.push_back(k);
  return cfg;
}

TEST(PostgresKeyStore, CreateAuthenticateListRevoke) {
  PostgresTestDb db;
  ManualClock clock;
  auto store = make_key_store(pg_config(db), clock);
  EXPECT_TRUE(store->authenticate("sk-static-team-a"));
  KeySpec spec{"dyn", {"m1", "m2"}, 10, 1000, config::Budget{5'000'000'000, config::BudgetPeriod::Week}};
  auto created = store->create(spec);
  ASSERT_TRUE(created) << created.error().message;
  const auto& [info, secret] = *created;
  EXPECT_EQ(info.id.rfind("key_", 0), 0u);
  EXPECT_EQ(secret.rfind("sk-sy-", 0), 0u);

  auto p = store->authenticate(secret);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key_id, info.id);
  EXPECT_EQ(p->models, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(p->rpm, 10);
  EXPECT_EQ(p->tpm, 1000);
  ASSERT_TRUE(p->budget);
  EXPECT_EQ(p->budget->nano_usd, 5'000'000'000);
  EXPECT_EQ(p->budget->period, config::BudgetPeriod::Week);

  auto listed = store->list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "cfg:team-a");
  EXPECT_EQ(listed[1].id, info.id);
  EXPECT_EQ(listed[1].created_at, info.created_at);
  EXPECT_FALSE(listed[1].revoked);

  // In the ledger's own database, as the hash only.
  auto other = db.connect();
  auto rows = pg_exec(other, "SELECT id || name || hash || models || created_at, rpm, budget_period FROM keys");
  ASSERT_EQ(rows.rows(), 1);
  EXPECT_EQ(rows.text(0, 0).find(secret.substr(6)), std::string::npos);
  EXPECT_NE(rows.text(0, 0).find(sha256_hex(secret)), std::string::npos);
  EXPECT_EQ(rows.int64(0, 1), 10);
  EXPECT_EQ(rows.text(0, 2), "week");

  ASSERT_TRUE(store->revoke(info.id));
  EXPECT_EQ(store->authenticate(secret).error().code, Code::Unauthenticated);
  EXPECT_TRUE(store->list()[1].revoked);
  EXPECT_TRUE(store->revoke(info.id)) << "revoking twice is harmless";
  EXPECT_EQ(store->revoke("key_nope").error().code, Code::NotFound);
  EXPECT_EQ(store->revoke("cfg:team-a").error().code, Code::InvalidRequest);
}

TEST(PostgresKeyStore, OtherProcessesKeysAndRevocationsAreSeen) {
  PostgresTestDb db;
  ManualClock clock;
  auto server = make_key_store(pg_config(db), clock, kNoReload);
  auto cli = make_key_store(pg_config(db), clock);  // `switchyard keys create`, or another gateway
  auto created = cli->create(KeySpec{"from-cli"});
  ASSERT_TRUE(created);
  EXPECT_TRUE(server->authenticate(created->second)) << "an unknown secret is looked up at once";
  ASSERT_TRUE(cli->revoke(created->first.id));
  EXPECT_TRUE(server->authenticate(created->second)) << "cached until the next reload";
  auto reloading = make_key_store(pg_config(db), clock, kFastReload);
  auto again = cli->create(KeySpec{"again"});
  ASSERT_TRUE(again);
  EXPECT_TRUE(reloading->authenticate(again->second));
  ASSERT_TRUE(cli->revoke(again->first.id));
  eventually([&] { return !reloading->authenticate(again->second); });  // the store's thread reloaded
  auto restarted = make_key_store(pg_config(db), clock);
  ASSERT_EQ(restarted->list().size(), 3u);
  EXPECT_TRUE(restarted->list()[1].revoked);
}

TEST(PostgresKeyStore, TwoGatewaysCannotBothHoldAnActiveName) {
  PostgresTestDb db;
  ManualClock clock;
  auto a = make_key_store(pg_config(db), clock);
  auto b = make_key_store(pg_config(db), clock);
  ASSERT_TRUE(a->create(KeySpec{"dup"}));
  auto second = b->create(KeySpec{"dup"});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Code::InvalidRequest);
  // The database itself refuses it too (two gateways that checked at the same moment).
  auto other = db.connect();
  auto raw = other.exec(
      "INSERT INTO keys (id, name, hash, models, created_at) VALUES ('key_x', 'dup', 'h', '[]', 'now')");
  EXPECT_FALSE(raw);
  EXPECT_EQ(other.last_sqlstate(), "23505");
  EXPECT_EQ(b->create(KeySpec{"team-a"}).error().code, Code::InvalidRequest) << "a config key's name";
}

TEST(PostgresKeyStore, ADroppedConnectionIsReconnected) {
  PostgresTestDb db;
  ManualClock clock;
  auto store = make_key_store(pg_config(db), clock);
  ASSERT_EQ(db.terminate("switchyard-keys"), 1);
  auto created = store->create(KeySpec{"after-drop"});
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_EQ(db.terminate("switchyard-keys"), 1);
  ASSERT_EQ(db.terminate("switchyard-keys-lookup"), 1);  // the at-once lookup's own connection
  auto cli = make_key_store(pg_config(db), clock);
  auto other = cli->create(KeySpec{"other"});
  ASSERT_TRUE(other);
  EXPECT_TRUE(store->authenticate(other->second)) << "the lookup of an unknown secret reconnects";
  EXPECT_EQ(store->list().size(), 3u);
}

TEST(PostgresKeyStore, ErrorsNeverContainThePassword) {
  PostgresTestDb db;
  config::Config cfg = pg_config(db);
  const std::string url = db.url();
  cfg.ledger = "postgresql://switchyard:Wr0ngPassw0rd@" + url.substr(url.find('@') + 1);
  try {
    make_key_store(cfg);
    FAIL() << "a wrong password must not connect";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("Wr0ngPassw0rd"), std::string::npos) << e.what();
  }
}

// The store's thread reloads by itself: nothing calls authenticate() while it does, and the key it
// brings is then known without a database call.
TEST(PostgresKeyStore, TheStoreReloadsByItself) {
  PostgresTestDb db;
  ManualClock clock;
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(pg_config(db), testing::counting(open_postgres_key_table(db.url()), &table),
                                     clock, kFastReload);
  auto cli = make_key_store(pg_config(db), clock);
  auto created = cli->create(KeySpec{"elsewhere"});
  ASSERT_TRUE(created);
  // The first wait sees a reload start after the key was committed, the second sees that one
  // applied. (Counting reloads_done() raced: the table has returned a reload's rows a moment
  // before the store swaps them in, and a lookup in between would fail the test.)
  table->wait_until_reloads_applied();
  table->wait_until_reloads_applied();
  auto p = server->authenticate(created->second);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key_id, created->first.id);
  EXPECT_EQ(table->lookups(), 0) << "known from the reload, not looked up";
}

// The database goes silent (a blackholed host: nothing refused, nothing answered). Known keys keep
// authenticating from memory while the store's reload hangs on it; an unknown secret gets 401
// once its bounded lookup gives up, and the next one without a lookup at all; the outage is
// logged once, without the password. When the network heals, everything works again.
TEST(PostgresKeyStore, AnUnreachableDatabaseStallsNoRequest) {
  PostgresTestDb db;
  TcpProxy proxy(port_of(db.url()));
  config::Config cfg = pg_config(db);
  const std::string url = via(db.url(), proxy);
  ManualClock clock;
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(cfg, testing::counting(open_postgres_key_table(url), &table), clock,
                                     kFastReload);
  auto mine = server->create(KeySpec{"mine"});
  ASSERT_TRUE(mine);
  auto cli = make_key_store(cfg, clock);  // straight to the server, not through the proxy
  auto theirs = cli->create(KeySpec{"theirs"});
  ASSERT_TRUE(theirs);
  ASSERT_TRUE(server->authenticate(theirs->second));

  ::testing::internal::CaptureStderr();
  proxy.freeze();
  const int started = table->reloads_started();
  eventually([&] { return table->reloads_started() > started; });  // a reload now waits on the silence
  const int lookups = table->lookups();
  EXPECT_TRUE(server->authenticate(mine->second));
  EXPECT_TRUE(server->authenticate(theirs->second));
  EXPECT_TRUE(server->authenticate("sk-static-team-a"));
  EXPECT_EQ(table->lookups(), lookups) << "a known key causes no database call";

  auto unknown = server->authenticate("sk-sy-" + std::string(47, '0') + "4");
  ASSERT_FALSE(unknown);  // returned at all: the lookup is bounded (a hang is ended by ctest)
  EXPECT_EQ(unknown.error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), lookups + 1);
  auto later = cli->create(KeySpec{"during-outage"});
  ASSERT_TRUE(later);
  EXPECT_EQ(server->authenticate(later->second).error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), lookups + 1) << "lookups are paused after one failed";
  EXPECT_TRUE(server->authenticate(mine->second));

  proxy.thaw();
  // The reload gets through again, resumes lookups and brings the key created meanwhile.
  eventually([&] { return server->authenticate(later->second).has_value(); });
  // The key is in the index a moment before that reload logs keys_database_recovered: without
  // this wait the capture below could end in between (a failure seen on a loaded machine).
  table->wait_until_reloads_applied();
  const std::string log = ::testing::internal::GetCapturedStderr();
  const std::string password = url.substr(url.find(':', 11) + 1, url.rfind('@') - url.find(':', 11) - 1);
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(log.find(password), std::string::npos) << "the log never holds the password";
  size_t n = 0;
  for (size_t at = log.find("\"keys_database_unreachable\""); at != std::string::npos;
       at = log.find("\"keys_database_unreachable\"", at + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << log;
  EXPECT_NE(log.find("\"keys_database_recovered\""), std::string::npos) << log;
}

// A store whose reload thread is running (or waiting on the database) is destroyed cleanly.
// A role with only SELECT/INSERT/UPDATE/DELETE runs the key store against a current schema.
TEST(PostgresKeyStore, ARoleWithoutCreateRightsRunsAgainstACurrentSchema) {
  PostgresTestDb db;
  ManualClock clock;
  { auto migrating = make_key_store(pg_config(db), clock); }
  const std::string role = "gw_dml_keys_" + std::to_string(::getpid());
  config::Config cfg = pg_config(db);
  cfg.ledger = testing::create_dml_only_role(db, role);
  {
    auto store = make_key_store(cfg, clock);
    auto created = store->create(KeySpec{"dml"});
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(store->authenticate(created->second));
    EXPECT_TRUE(store->revoke(created->first.id));
  }
  testing::drop_role(db, role);
}

// A replica cut off from the database cannot see revocations made elsewhere: once no reload has
// succeeded for stale_after, it refuses database-created keys (logged once) while config keys keep
// working, and accepts them again after a reload gets through.
TEST(PostgresKeyStore, AReplicaThatCannotReloadFailsClosedForDatabaseKeys) {
  PostgresTestDb db;
  ManualClock clock;
  TcpProxy proxy(port_of(db.url()));
  config::Config cfg = pg_config(db);
  cfg.ledger = via(db.url(), proxy);
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(cfg, testing::counting(open_postgres_key_table(cfg.ledger), &table), clock,
                                     KeyStoreOptions{5ms, 300ms});
  auto created = server->create(KeySpec{"mine"});
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_TRUE(server->authenticate(created->second));

  ::testing::internal::CaptureStderr();
  proxy.freeze();
  // Every reload from here waits on the silence: none that got through before the freeze can
  // still succeed after the index went stale below.
  table->wait_until_reloads_applied();
  eventually([&] { return !server->authenticate(created->second).has_value(); });
  EXPECT_EQ(server->authenticate(created->second).error().code, Code::Unauthenticated);
  EXPECT_TRUE(server->authenticate("sk-static-team-a")) << "config keys keep working";
  proxy.thaw();
  eventually([&] { return server->authenticate(created->second).has_value(); });
  // That reload logs keys_index_fresh a moment after its success makes the key pass.
  table->wait_until_reloads_applied();
  log_sink::flush();
  const std::string log = ::testing::internal::GetCapturedStderr();
  size_t n = 0;
  for (size_t at = log.find("\"keys_index_stale\""); at != std::string::npos; at = log.find("\"keys_index_stale\"", at + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << log;
  EXPECT_NE(log.find("\"keys_index_fresh\""), std::string::npos) << log;
}

TEST(PostgresKeyStore, DestroyingTheStoreStopsItsThread) {
  PostgresTestDb db;
  ManualClock clock;
  auto cli = make_key_store(pg_config(db), clock);
  auto created = cli->create(KeySpec{"k"});
  ASSERT_TRUE(created);
  for (int i = 0; i < 30; ++i) {
    auto store = make_key_store(pg_config(db), clock, KeyStoreOptions{std::chrono::milliseconds(i % 3)});
    if (i % 2 == 0) {
      EXPECT_TRUE(store->authenticate(created->second));
    }
  }
}

}  // namespace
}  // namespace gw
