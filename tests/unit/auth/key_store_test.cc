#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "counting_key_table.h"
#include "eventually.h"
#include "gw/auth/key_store_factory.h"
#include "gw/auth/key_table.h"
#include "gw/common/ids.h"
#include "gw/storage/sqlite.h"

namespace gw {
namespace {

using namespace std::chrono_literals;
using testing::CountingKeyTable;
using testing::eventually;

// A reload every few milliseconds, to watch one happen; or none within any test, to watch the
// cache hold.
constexpr KeyStoreOptions kFastReload{5ms};
constexpr KeyStoreOptions kNoReload{std::chrono::hours(1)};

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
  // The name goes into every usage record: PostgreSQL could not store NUL or invalid UTF-8.
  for (const std::string bad : {std::string("a\0b", 3), std::string("a\xff" "b"), std::string("a\nb"),
                                std::string("a\x7f"), std::string("\xc3"), std::string("\xed\xa0\x80")}) {
    auto r = store->create(KeySpec{bad});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Code::InvalidRequest);
  }
  EXPECT_TRUE(store->create(KeySpec{"caf\xc3\xa9 \xe2\x82\xac"})) << "valid UTF-8 is fine";
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
  auto server = make_key_store(config::Config{}, path, clock, kFastReload);
  auto cli = make_key_store(config::Config{}, path, clock);  // e.g. `switchyard keys create`
  auto created = cli->create(KeySpec{"from-cli"});
  ASSERT_TRUE(created);
  // An unknown secret is looked up in the database at once.
  ASSERT_TRUE(server->authenticate(created->second));
  // A revocation by the other process is seen once the store's thread reloads (until then the
  // cached key is accepted: only a reload removes it).
  ASSERT_TRUE(cli->revoke(created->first.id));
  eventually([&] { return !server->authenticate(created->second); });
  EXPECT_EQ(server->authenticate(created->second).error().code, Code::Unauthenticated);

  auto restarted = make_key_store(config::Config{}, path, clock);
  EXPECT_EQ(restarted->list().size(), 1u);
  EXPECT_TRUE(restarted->list()[0].revoked);
}

// Gives the key `id` the hash of `secret`, behind the stores' backs (no real secret is ever
// presented before it exists; this only makes a cached negative answer observable).
void set_hash(const std::string& path, const std::string& id, const std::string& secret) {
  auto db = storage::Db::open(path);
  auto st = db->prepare("UPDATE keys SET hash = ?1 WHERE id = ?2");
  st->bind(1, sha256_hex(secret)).bind(2, id);
  ASSERT_TRUE(st->run());
}

TEST(KeyStore, AnUnknownSecretIsRememberedUntilTheNextReload) {
  ManualClock clock;
  const std::string path = temp_db("unknown");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config::Config{}, testing::counting(open_sqlite_key_table(path), &table),
                                     clock, kNoReload);
  const std::string secret = "sk-sy-" + std::string(47, '0') + "1";  // well formed, never issued
  EXPECT_EQ(server->authenticate(secret).error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), 1);
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"other"});
  ASSERT_TRUE(created);
  set_hash(path, created->first.id, secret);
  EXPECT_FALSE(server->authenticate(secret)) << "the miss is served from the negative cache";
  EXPECT_EQ(table->lookups(), 1) << "without a second lookup";
  // A key created after some unknown secret was presented works at once, as before.
  auto fresh = cli->create(KeySpec{"fresh"});
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(server->authenticate(fresh->second));
}

// Only created keys are in the database, and they all have one shape ("sk-sy-" + 48 hex): any
// other unknown secret is refused from memory, so a flood of made-up keys makes no lookup at all.
TEST(KeyStore, SecretsNoCreatedKeyCouldHaveAreNeverLookedUp) {
  ManualClock clock;
  const std::string path = temp_db("shape");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config_with_static_key(), testing::counting(open_sqlite_key_table(path), &table),
                                     clock, kNoReload);
  for (const std::string& s : std::vector<std::string>{"sk-sy-random-0-1", "sk-sy-", "nonsense", "sk-sy-" + std::string(47, 'a'),
                              "sk-sy-" + std::string(49, 'a'), "sk-sy-" + std::string(47, 'a') + "g",
                              "xk-sy-" + std::string(48, 'a')}) {
    EXPECT_EQ(server->authenticate(s).error().code, Code::Unauthenticated) << s;
  }
  EXPECT_EQ(table->lookups(), 0);
  EXPECT_EQ(server->authenticate("sk-sy-" + std::string(48, 'a')).error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), 1) << "a well-formed secret may be another process's new key";
  auto created = server->create(KeySpec{"real"});
  ASSERT_TRUE(created);
  EXPECT_TRUE(server->authenticate(created->second));
}

TEST(KeyStore, TheReloadForgetsNegativeAnswers) {
  ManualClock clock;
  const std::string path = temp_db("forget");
  auto server = make_key_store(config::Config{}, path, clock, kFastReload);
  const std::string secret = "sk-sy-" + std::string(47, '0') + "2";  // well formed, never issued
  EXPECT_FALSE(server->authenticate(secret));
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"other"});
  ASSERT_TRUE(created);
  set_hash(path, created->first.id, secret);
  // Nothing but the store's thread can forget the cached miss; no clock is advanced.
  eventually([&] { return server->authenticate(secret).has_value(); });
  EXPECT_EQ(server->authenticate(secret)->key_id, created->first.id);
}

// The store's thread reloads by itself: nothing calls authenticate() while it does, and the key it
// brings is then known without a database call.
TEST(KeyStore, TheStoreReloadsByItself) {
  ManualClock clock;
  const std::string path = temp_db("byitself");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config::Config{}, testing::counting(open_sqlite_key_table(path), &table),
                                     clock, kFastReload);
  auto cli = make_key_store(config::Config{}, path, clock);
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

// authenticate() of a key the store knows reads memory only: it succeeds while a reload is stuck
// inside the database (holding the lock that orders reloads against create and revoke).
TEST(KeyStore, KnownKeysDoNotWaitForAStuckReload) {
  ManualClock clock;
  const std::string path = temp_db("stuck");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config_with_static_key(),
                                     testing::counting(open_sqlite_key_table(path), &table), clock, kFastReload);
  auto created = server->create(KeySpec{"mine"});
  ASSERT_TRUE(created);
  auto cli = make_key_store(config::Config{}, path, clock);
  auto theirs = cli->create(KeySpec{"theirs"});
  ASSERT_TRUE(theirs);
  ASSERT_TRUE(server->authenticate(theirs->second));  // looked up once, now cached
  const int lookups = table->lookups();

  table->stall_reloads(true);
  eventually([&] { return table->reload_stalled(); });  // a reload now waits in the table
  EXPECT_TRUE(server->authenticate(created->second));
  EXPECT_TRUE(server->authenticate(theirs->second));
  EXPECT_TRUE(server->authenticate("sk-static-team-a"));
  EXPECT_EQ(table->lookups(), lookups);
  // A revocation waits for the reload (it must not be undone by it), but others are not held.
  std::thread revoker([&] { EXPECT_TRUE(server->revoke(created->first.id)); });
  EXPECT_TRUE(server->authenticate(theirs->second));
  table->stall_reloads(false);
  revoker.join();
  EXPECT_FALSE(server->authenticate(created->second)) << "revoked at once once revoke() returned";
}

// A reload that read its rows before a key was created must not drop that key when a lookup has
// found it meanwhile: the key would then need the database again (and be refused while it is
// unreachable) until the next reload.
TEST(KeyStore, AReloadKeepsWhatALookupFoundWhileItRead) {
  ManualClock clock;
  const std::string path = temp_db("keepfound");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config::Config{}, testing::counting(open_sqlite_key_table(path), &table),
                                     clock, kFastReload);
  table->stall_reloads(true);
  eventually([&] { return table->reload_stalled(); });  // a reload holds rows without the key
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"meanwhile"});
  ASSERT_TRUE(created);
  ASSERT_TRUE(server->authenticate(created->second));
  EXPECT_EQ(table->lookups(), 1);
  table->let_one_reload_finish();
  // Its old rows are swapped in (the next reload has started, and stalls without swapping).
  table->wait_until_reloads_applied();
  EXPECT_TRUE(server->authenticate(created->second));
  EXPECT_EQ(table->lookups(), 1) << "still known: no second lookup";
  table->stall_reloads(false);
}

// After a lookup failed, unknown secrets are refused without another lookup for kKeyLookupPause;
// the outage is logged once, without the secret, and so is its end.
TEST(KeyStore, AFailedLookupPausesLookupsAndIsLoggedOnce) {
  ManualClock clock;
  const std::string path = temp_db("breaker");
  CountingKeyTable* table = nullptr;
  auto server = make_table_key_store(config::Config{}, testing::counting(open_sqlite_key_table(path), &table),
                                     clock, kNoReload);
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"new"});
  ASSERT_TRUE(created);

  ::testing::internal::CaptureStderr();
  table->fail_lookups(true);
  EXPECT_EQ(server->authenticate(created->second).error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), 1);
  EXPECT_EQ(server->authenticate(created->second).error().code, Code::Unauthenticated);
  EXPECT_EQ(server->authenticate("sk-sy-" + std::string(47, '0') + "3").error().code, Code::Unauthenticated);
  EXPECT_EQ(table->lookups(), 1) << "paused: no lookup";
  clock.advance(kKeyLookupPause);
  EXPECT_FALSE(server->authenticate(created->second));
  EXPECT_EQ(table->lookups(), 2) << "the pause is over: one more try, which fails again";
  clock.advance(kKeyLookupPause);
  table->fail_lookups(false);
  auto p = server->authenticate(created->second);
  EXPECT_TRUE(p) << "the database answers again: the new key works";
  EXPECT_EQ(table->lookups(), 3);
  const std::string log = ::testing::internal::GetCapturedStderr();

  auto count = [&](const std::string& what) {
    int n = 0;
    for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("\"keys_database_unreachable\""), 1) << log;
  EXPECT_EQ(count("connection refused (simulated)"), 1) << log;
  EXPECT_EQ(count("\"keys_database_recovered\""), 1) << log;
  EXPECT_EQ(log.find(created->second), std::string::npos) << log;
  EXPECT_EQ(log.find(created->second.substr(6)), std::string::npos) << log;
}

// The store's thread is stopped and joined by the destructor, whatever it is doing: run under
// ASan (SWITCHYARD_SANITIZE) this finds a use after free; without, a crash or hang.
TEST(KeyStore, DestroyingTheStoreStopsItsThread) {
  ManualClock clock;
  const std::string path = temp_db("destroy");
  auto cli = make_key_store(config::Config{}, path, clock);
  auto created = cli->create(KeySpec{"k"});
  ASSERT_TRUE(created);
  for (int i = 0; i < 200; ++i) {
    auto store = make_key_store(config::Config{}, path, clock, KeyStoreOptions{std::chrono::milliseconds(i % 3)});
    if (i % 2 == 0) {
      EXPECT_TRUE(store->authenticate(created->second));
    }
  }
  // And a store whose reload is stuck inside the table when it is destroyed.
  CountingKeyTable* table = nullptr;
  auto store = make_table_key_store(config::Config{}, testing::counting(open_sqlite_key_table(path), &table),
                                    clock, kFastReload);
  table->stall_reloads(true);
  eventually([&] { return table->reload_stalled(); });
  std::thread unstall([&] {
    std::this_thread::sleep_for(10ms);  // not a timing assertion: only lets the destructor wait first
    table->stall_reloads(false);
  });
  store.reset();
  unstall.join();
}

TEST(KeyStore, RevocationIsImmediateAcrossThreads) {
  ManualClock clock;
  // Reloading all the time too: a reload must not bring a revoked key back.
  auto store = make_key_store(config::Config{}, temp_db("threads"), clock, KeyStoreOptions{0ms});
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
