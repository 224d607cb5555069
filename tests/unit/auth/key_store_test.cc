#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "gw/auth/key_store_factory.h"
#include "gw/common/ids.h"
#include "gw/storage/sqlite.h"

namespace gw {
namespace {

using namespace std::chrono_literals;

std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("gw_auth_" + name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(p.string() + suffix);
  }
  return p.string();
}

config::Config config_with_static_key() {
  config::Config cfg;
  config::StaticKey k;
  k.name = "team-a";
  k.key = "sk-static-team-a";
  k.models = {"claude-sonnet"};
  k.rpm = 60;
  k.budget = config::Budget{100'000'000'000, config::BudgetPeriod::Month};
  cfg.keys.push_back(k);
  return cfg;
}

// Every text value stored in the keys table, concatenated.
std::string all_key_text(const std::string& path) {
  auto db = storage::Db::open(path);
  auto st = db->prepare("SELECT id || name || hash || models || created_at FROM keys");
  std::string out;
  while (*st->step()) {
    out += st->column_text(0);
  }
  return out;
}

TEST(Principal, AllowsListedModelsOrAllWhenEmpty) {
  Principal p;
  EXPECT_TRUE(p.allows("anything"));
  p.models = {"a", "b"};
  EXPECT_TRUE(p.allows("b"));
  EXPECT_FALSE(p.allows("c"));
}

TEST(KeyStore, StaticKeysAuthenticateByHash) {
  ManualClock clock;
  auto store = make_key_store(config_with_static_key(), temp_db("static"), clock);
  auto p = store->authenticate("sk-static-team-a");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key_id, "cfg:team-a");
  EXPECT_EQ(p->key_name, "team-a");
  EXPECT_EQ(p->models, std::vector<std::string>{"claude-sonnet"});
  EXPECT_EQ(p->rpm, 60);
  ASSERT_TRUE(p->budget);
  EXPECT_EQ(p->budget->nano_usd, 100'000'000'000);
  auto bad = store->authenticate("sk-static-team-b");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::Unauthenticated);
  EXPECT_FALSE(store->authenticate(""));
}

TEST(KeyStore, CreateAuthenticateListRevoke) {
  ManualClock clock;
  const std::string path = temp_db("crud");
  auto store = make_key_store(config_with_static_key(), path, clock);
  KeySpec spec{"dyn", {"m1", "m2"}, 10, 1000, config::Budget{5'000'000'000, config::BudgetPeriod::Week}};
  auto created = store->create(spec);
  ASSERT_TRUE(created) << created.error().message;
  const auto& [info, secret] = *created;
  EXPECT_EQ(info.id.rfind("key_", 0), 0u);
  EXPECT_EQ(info.id.size(), 4u + 16u);
  EXPECT_EQ(secret.rfind("sk-sy-", 0), 0u);
  EXPECT_EQ(secret.size(), 6u + 48u);
  EXPECT_EQ(info.name, "dyn");
  EXPECT_FALSE(info.from_config);
  EXPECT_EQ(info.created_at.size(), 24u);

  auto p = store->authenticate(secret);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key_id, info.id);
  EXPECT_EQ(p->key_name, "dyn");
  EXPECT_EQ(p->models, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(p->rpm, 10);
  EXPECT_EQ(p->tpm, 1000);
  EXPECT_EQ(p->budget->period, config::BudgetPeriod::Week);

  auto listed = store->list();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "cfg:team-a");
  EXPECT_TRUE(listed[0].from_config);
  EXPECT_EQ(listed[1].id, info.id);
  EXPECT_EQ(listed[1].budget->nano_usd, 5'000'000'000);
  EXPECT_FALSE(listed[1].revoked);

  // The secret is never stored in clear; only its hash is.
  const std::string stored = all_key_text(path);
  EXPECT_EQ(stored.find(secret), std::string::npos);
  EXPECT_EQ(stored.find(secret.substr(6)), std::string::npos);
  EXPECT_NE(stored.find(sha256_hex(secret)), std::string::npos);

  ASSERT_TRUE(store->revoke(info.id));
  auto gone = store->authenticate(secret);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Code::Unauthenticated);
  EXPECT_TRUE(store->list()[1].revoked);
  EXPECT_TRUE(store->revoke(info.id)) << "revoking twice is harmless";
}

TEST(KeyStore, ConfigKeysCannotBeRevokedAndUnknownIdsAreNotFound) {
  ManualClock clock;
  auto store = make_key_store(config_with_static_key(), temp_db("cfgrevoke"), clock);
  auto r = store->revoke("cfg:team-a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidRequest);
  EXPECT_NE(r.error().message.find("config"), std::string::npos);
  EXPECT_TRUE(store->authenticate("sk-static-team-a"));
  auto missing = store->revoke("key_nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Code::NotFound);
}

TEST(KeyStore, RejectsInvalidSpecsAndDuplicateActiveNames) {
  ManualClock clock;
  auto store = make_key_store(config_with_static_key(), temp_db("invalid"), clock);
  EXPECT_EQ(store->create(KeySpec{""}).error().code, Code::InvalidRequest);
  EXPECT_EQ(store->create(KeySpec{"x", {}, 0}).error().code, Code::InvalidRequest);
  EXPECT_EQ(store->create(KeySpec{"x", {}, std::nullopt, -5}).error().code, Code::InvalidRequest);
  EXPECT_EQ(store->create(KeySpec{"team-a"}).error().code, Code::InvalidRequest);
  auto first = store->create(KeySpec{"dup"});
  ASSERT_TRUE(first);
  EXPECT_FALSE(store->create(KeySpec{"dup"}));
  ASSERT_TRUE(store->revoke(first->first.id));
  EXPECT_TRUE(store->create(KeySpec{"dup"})) << "a revoked key's name may be reused";
}

TEST(KeyStore, KeysSurviveRestartAndOtherProcessesChangesAreSeen) {
  ManualClock clock;
  const std::string path = temp_db("shared");
  auto server = make_key_store(config::Config{}, path, clock);
  auto cli = make_key_store(config::Config{}, path, clock);  // e.g. `switchyard keys create`
  auto created = cli->create(KeySpec{"from-cli"});
  ASSERT_TRUE(created);
  // An unknown secret is looked up in the database at once.
  ASSERT_TRUE(server->authenticate(created->second));
  // A revocation by the other process is seen after the reload interval.
  ASSERT_TRUE(cli->revoke(created->first.id));
  clock.advance(kKeyReloadInterval + 1ms);
  EXPECT_FALSE(server->authenticate(created->second));

  auto restarted = make_key_store(config::Config{}, path, clock);
  EXPECT_EQ(restarted->list().size(), 1u);
  EXPECT_TRUE(restarted->list()[0].revoked);
}

TEST(KeyStore, AnUnknownSecretIsRememberedUntilTheNextReload) {
  ManualClock clock;
  const std::string path = temp_db("unknown");
  auto server = make_key_store(config::Config{}, path, clock);
  const std::string secret = "sk-sy-never-issued";
  EXPECT_EQ(server->authenticate(secret).error().code, Code::Unauthenticated);
  // Put a row with exactly that hash into the database behind the store's back (no real secret is
  // ever presented before it exists; this only makes the cached answer observable).
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"other"});
  ASSERT_TRUE(created);
  {
    auto db = storage::Db::open(path);
    auto st = db->prepare("UPDATE keys SET hash = ?1 WHERE id = ?2");
    st->bind(1, sha256_hex(secret)).bind(2, created->first.id);
    ASSERT_TRUE(st->run());
  }
  EXPECT_FALSE(server->authenticate(secret)) << "the miss is served from the negative cache";
  clock.advance(kKeyReloadInterval + 1ms);
  EXPECT_TRUE(server->authenticate(secret)) << "the reload forgets negative answers";
  // A key created after some unknown secret was presented works at once, as before.
  auto fresh = cli->create(KeySpec{"fresh"});
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(server->authenticate(fresh->second));
}

TEST(KeyStore, RevocationIsImmediateAcrossThreads) {
  ManualClock clock;
  auto store = make_key_store(config::Config{}, temp_db("threads"), clock);
  auto created = store->create(KeySpec{"busy"});
  ASSERT_TRUE(created);
  const std::string secret = created->second;
  std::atomic<bool> revoked{false};
  std::atomic<int> accepted_after{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const bool was_revoked = revoked.load();
        if (store->authenticate(secret) && was_revoked) {
          accepted_after++;
        }
      }
    });
  }
  std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(store->revoke(created->first.id));
  revoked = true;
  for (auto& w : workers) {
    w.join();
  }
  EXPECT_EQ(accepted_after.load(), 0);
}

TEST(KeyStore, MakeKeyStoreFromConfigUsesTheLedgerPath) {
  config::Config cfg = config_with_static_key();
  cfg.ledger = "sqlite://" + temp_db("fromcfg");
  auto store = make_key_store(cfg);
  EXPECT_TRUE(store->authenticate("sk-static-team-a"));
  cfg.ledger = "mysql://h/db";
  EXPECT_THROW(make_key_store(cfg), std::runtime_error);
  // postgres:// is a backend (key_store_pg_test.cc); where nothing listens, start-up fails with
  // the address and without the password.
  cfg.ledger = "postgres://user:pa55word@127.0.0.1:1/db";
  try {
    make_key_store(cfg);
    FAIL() << "nothing listens on port 1";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("pa55word"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gw
