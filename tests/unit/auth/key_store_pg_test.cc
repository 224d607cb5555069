// The key store with its keys in a PostgreSQL ledger database (the ctest fixture `postgres`).
#include <gtest/gtest.h>

#include <thread>

#include "gw/auth/key_store_factory.h"
#include "gw/common/ids.h"
#include "postgres_test_db.h"

namespace gw {
namespace {

using namespace std::chrono_literals;
using testing::pg_exec;
using testing::PostgresTestDb;

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
  auto server = make_key_store(pg_config(db), clock);
  auto cli = make_key_store(pg_config(db), clock);  // `switchyard keys create`, or another gateway
  auto created = cli->create(KeySpec{"from-cli"});
  ASSERT_TRUE(created);
  EXPECT_TRUE(server->authenticate(created->second)) << "an unknown secret is looked up at once";
  ASSERT_TRUE(cli->revoke(created->first.id));
  EXPECT_TRUE(server->authenticate(created->second)) << "cached until the reload interval";
  clock.advance(kKeyReloadInterval + 1ms);
  EXPECT_FALSE(server->authenticate(created->second)) << "the reload sees the revocation";
  auto restarted = make_key_store(pg_config(db), clock);
  ASSERT_EQ(restarted->list().size(), 2u);
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

}  // namespace
}  // namespace gw
