// The key store: an in-memory index from SHA-256(secret) to Principal, backed by a KeyTable and
// kept fresh by a thread of its own.
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "gw/common/utf8.h"
#include "gw/auth/key_db_health.h"
#include "gw/auth/key_store_factory.h"
#include "gw/auth/key_table.h"
#include "gw/common/ids.h"
#include "gw/common/thread_name.h"
#include "gw/storage/time_text.h"

namespace gw {

namespace {

constexpr std::string_view kConfigPrefix = "cfg:";
constexpr size_t kMaxNameBytes = 200;

Principal principal_of(const KeyInfo& k) {
  return Principal{k.id, k.name, k.models, k.rpm, k.tpm, k.budget};
}

Result<void> validate(const KeySpec& spec) {
  if (spec.name.empty()) {
    return invalid_field("name", "is required");
  }
  if (spec.name.size() > kMaxNameBytes) {
    return invalid_field("name", "is longer than 200 bytes");
  }
  // The name is copied into every usage record, which PostgreSQL must be able to store.
  if (!printable_utf8(spec.name)) {
    return invalid_field("name", "must be valid UTF-8 without control characters");
  }
  for (const auto& m : spec.models) {
    if (m.empty()) {
      return invalid_field("models", "model names may not be empty");
    }
    if (!printable_utf8(m)) {
      return invalid_field("models", "model names must be valid UTF-8 without control characters");
    }
  }
  if (spec.rpm && *spec.rpm <= 0) {
    return invalid_field("rpm", "must be a positive integer");
  }
  if (spec.tpm && *spec.tpm <= 0) {
    return invalid_field("tpm", "must be a positive integer");
  }
  if (spec.budget && spec.budget->nano_usd < 0) {
    return invalid_field("budget.usd", "must not be negative");
  }
  return {};
}

Error name_taken(const std::string& name) {
  return invalid_field("name", "an active key named '" + name + "' already exists");
}

Error unknown_key() { return make_error(Code::Unauthenticated, "invalid API key"); }

// Created keys are "sk-sy-" and 48 hex digits (create()). Anything else can only be a config key,
// and those are all in memory: such a secret is never looked up in the database, so a flood of
// made-up keys costs no database call and never waits for a lookup turn.
bool could_be_created_key(std::string_view secret) {
  constexpr std::string_view kPrefix = "sk-sy-";
  if (secret.size() != kPrefix.size() + 48 || secret.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  for (char c : secret.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// Request threads only read memory for a key the store knows: the index is kept fresh by a thread
// of the store's own, and only a secret it does not know is looked up in the database, boundedly
// (key_table.h) and never under a lock that known keys need.
class TableKeyStore final : public KeyStore {
 public:
  TableKeyStore(const config::Config& cfg, std::unique_ptr<KeyTable> table, const Clock& clock,
                const KeyStoreOptions& options)
      : clock_(clock), table_(std::move(table)), reload_interval_(options.reload_interval),
        stale_after_(options.stale_after), health_(clock, kKeyLookupPause) {
    for (const auto& k : cfg.keys) {
      if (k.key.empty()) {
        continue;  // an unset ${VAR}: such a key can never be presented
      }
      KeyInfo info{std::string(kConfigPrefix) + k.name, k.name, k.models, k.rpm, k.tpm, k.budget, "",
                   false, true};
      config_index_.emplace(sha256_hex(k.key), principal_of(info));
      config_keys_.push_back(std::move(info));
    }
    {
      std::lock_guard db_lock(db_mu_);
      if (auto r = reload_locked(); !r) {
        throw std::runtime_error("keys: " + r.error().message);
      }
      last_reload_ok_ = std::chrono::steady_clock::now().time_since_epoch().count();
    }
    reloader_ = std::thread([this] {
      name_this_thread("sy-keys");
      reload_loop();
    });  // last: it uses every member
  }

  ~TableKeyStore() override {
    {
      std::lock_guard lk(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    // At once while it sleeps; a reload in progress ends within the table's bounds first.
    reloader_.join();
  }

  Result<Principal> authenticate(std::string_view secret) const override {
    const std::string hash = sha256_hex(secret);
    if (auto it = config_index_.find(hash); it != config_index_.end()) {
      return it->second;
    }
    if (!could_be_created_key(secret)) {
      return unknown_key();
    }
    // Another replica's revocation reaches this one by a reload (within reload_interval_): after
    // stale_after_ without one, a key revoked elsewhere could still pass, so none passes.
    const auto since_reload = std::chrono::steady_clock::now().time_since_epoch() -
                              std::chrono::steady_clock::duration(last_reload_ok_.load());
    if (since_reload > stale_after_) {
      health_.index_stale(stale_after_);
      return unknown_key();
    }
    if (auto known = cached(hash)) {
      return *known;
    }
    return look_up(hash);
  }

  Result<std::pair<KeyInfo, std::string>> create(const KeySpec& spec) override {
    if (auto v = validate(spec); !v) {
      return v.error();
    }
    KeyRow row{KeyInfo{"key_" + random_token(8), spec.name, spec.models, spec.rpm, spec.tpm, spec.budget,
                       storage::format_rfc3339_ms(unix_ms(clock_.now())), false, false},
               ""};
    std::string secret = "sk-sy-" + random_token(24);
    row.hash = sha256_hex(secret);

    std::lock_guard db_lock(db_mu_);
    // Names identify keys in usage reports, so two active keys may not share one.
    for (const auto& k : config_keys_) {
      if (k.name == spec.name) {
        return name_taken(spec.name);
      }
    }
    auto taken = table_->active_name_exists(spec.name);
    if (!taken) {
      return taken.error();
    }
    if (*taken) {
      return name_taken(spec.name);
    }
    if (auto r = table_->insert(row); !r) {
      return r.error();
    }
    std::unique_lock lk(mu_);
    db_index_[row.hash] = principal_of(row.info);
    return std::make_pair(std::move(row.info), std::move(secret));
  }

  std::vector<KeyInfo> list() const override {
    std::vector<KeyInfo> out = config_keys_;
    std::lock_guard db_lock(db_mu_);
    if (auto rows = table_->all()) {
      out.insert(out.end(), rows->begin(), rows->end());
    }
    return out;
  }

  Result<void> revoke(const std::string& id) override {
    for (const auto& k : config_keys_) {
      if (k.id == id) {
        return make_error(Code::InvalidRequest, "key '" + id +
                                                    "' is defined in the config file and cannot be "
                                                    "revoked through the API; remove it from the config");
      }
    }
    std::lock_guard db_lock(db_mu_);
    auto hash = table_->hash_of(id);
    if (!hash) {
      return hash.error();
    }
    if (!*hash) {
      return make_error(Code::NotFound, "no key with id '" + id + "'");
    }
    if (auto r = table_->mark_revoked(id, storage::format_rfc3339_ms(unix_ms(clock_.now()))); !r) {
      return r.error();
    }
    std::unique_lock lk(mu_);
    db_index_.erase(**hash);  // revoking twice is fine: the key stays revoked
    ++revocations_;           // a lookup that read the row before this must not cache it
    ++changes_;
    return {};
  }

 private:
  // The counters a lookup compares before caching its answer (see look_up()).
  struct Since {
    uint64_t revocations = 0;
    uint64_t changes = 0;
  };

  // What memory says of a hash: its principal, Unauthenticated if known to be unknown, or nothing
  // if it must be looked up (then *since is where a lookup starts from).
  std::optional<Result<Principal>> cached(const std::string& hash, Since* since = nullptr) const {
    std::shared_lock lk(mu_);
    if (auto it = db_index_.find(hash); it != db_index_.end()) {
      return it->second;
    }
    // Known to be unknown: a client retrying a revoked or mistyped key causes no lookup every
    // time. (A secret nobody has created yet cannot be in here: secrets are random, so none is
    // presented before it exists.)
    if (unknown_.count(hash) != 0) {
      return Result<Principal>(unknown_key());
    }
    if (since != nullptr) {
      *since = Since{revocations_, changes_};
    }
    return std::nullopt;
  }

  // Unknown here: perhaps created a moment ago by another process (the CLI, another gateway).
  // Bounded: one lookup at a time, waited for at most kLookupTurnWait (a burst of requests with a
  // new key makes one lookup, the rest find its answer cached), on the table's own bounded
  // connection, and none at all while health_ says the database is failing.
  Result<Principal> look_up(const std::string& hash) const {
    if (!health_.lookups_allowed()) {
      return unknown_key();
    }
    if (!take_lookup_turn(hash)) {
      return unknown_key();
    }
    const TurnGuard turn{this};
    Since since;
    if (auto known = cached(hash, &since)) {
      return *known;  // the lookup this one waited for answered it
    }
    if (!health_.lookups_allowed()) {  // the lookup this one waited for failed
      return unknown_key();
    }
    auto row = table_->find_active(hash);
    if (!row) {
      health_.lookup_failed(row.error());
      return unknown_key();  // not remembered: the database did not say so
    }
    health_.succeeded();
    std::unique_lock lk(mu_);
    if (*row) {
      Principal p = principal_of((*row)->info);
      // A revocation since the row was read knows better: then the answer serves this request
      // only. A reload does not: its snapshot may be older than the row, so it keeps what
      // lookups find while it reads (reload_locked()).
      if (revocations_ == since.revocations) {
        db_index_[hash] = p;
        if (reloading_) {
          found_during_reload_[hash] = p;
        }
      }
      return p;
    }
    // A miss is remembered only if nothing changed meanwhile: a reload forgets misses, and must
    // not be followed by one older than itself.
    if (changes_ == since.changes) {
      if (unknown_.size() >= kMaxUnknownKeys) {
        unknown_.clear();  // bounded: a flood of distinct bad keys costs lookups, not memory
      }
      unknown_.insert(hash);
    }
    return unknown_key();
  }

  // One find_active at a time (key_table.h). A mutex and condition variable rather than a
  // std::timed_mutex, whose try_lock_for ThreadSanitizer cannot follow (pthread_mutex_clocklock).
  // Only a request for the very key being looked up waits (its answer will be cached); one for
  // another key is answered 401 at once rather than holding a worker thread in a queue of
  // lookups. Should that key exist, the next reload brings it.
  bool take_lookup_turn(const std::string& hash) const {
    std::unique_lock lk(turn_mu_);
    if (looking_up_ && looking_up_hash_ != hash) {
      return false;
    }
    if (!turn_cv_.wait_for(lk, kLookupTurnWait, [&] { return !looking_up_ || looking_up_hash_ != hash; }) ||
        looking_up_) {
      return false;
    }
    looking_up_ = true;
    looking_up_hash_ = hash;
    return true;
  }
  struct TurnGuard {
    const TableKeyStore* store;
    ~TurnGuard() {
      std::lock_guard lk(store->turn_mu_);
      store->looking_up_ = false;
      store->turn_cv_.notify_one();
    }
  };

  // The store's thread: re-reads the active keys of the database every reload_interval_ (another
  // process may have created or revoked some) until the destructor stops it.
  void reload_loop() {
    std::unique_lock lk(stop_mu_);
    while (!stop_cv_.wait_for(lk, reload_interval_, [this] { return stopping_; })) {
      lk.unlock();
      {
        std::lock_guard db_lock(db_mu_);
        if (auto r = reload_locked(); r) {
          last_reload_ok_ = std::chrono::steady_clock::now().time_since_epoch().count();
          health_.succeeded();
          health_.index_fresh();
        } else {
          health_.reload_failed(r.error());  // the current index stays; the next interval tries again
        }
      }
      lk.lock();
    }
  }

  // Under db_mu_, so that a concurrent revoke() cannot be undone by a stale snapshot.
  Result<void> reload_locked() const {
    {
      std::unique_lock lk(mu_);
      reloading_ = true;
      found_during_reload_.clear();
    }
    auto rows = table_->active();
    std::unordered_map<std::string, Principal> fresh;
    if (rows) {
      for (auto& r : *rows) {
        fresh.emplace(std::move(r.hash), principal_of(r.info));
      }
    }
    std::unique_lock lk(mu_);
    reloading_ = false;
    if (!rows) {
      found_during_reload_.clear();
      return rows.error();
    }
    // Keys that lookups found while the table was read: perhaps created after the snapshot.
    fresh.merge(found_during_reload_);
    found_during_reload_.clear();
    db_index_.swap(fresh);  // the old index is freed after the lock is released
    unknown_.clear();       // a negative answer is trusted for one reload interval at most
    ++changes_;
    return {};
  }

  // A request thread waits this long at most for another thread's lookup to finish.
  static constexpr std::chrono::milliseconds kLookupTurnWait{1000};
  static constexpr size_t kMaxUnknownKeys = 10000;

  const Clock& clock_;
  // Static keys: built once, read without a lock.
  std::unordered_map<std::string, Principal> config_index_;
  std::vector<KeyInfo> config_keys_;
  // Keys of the database, by hash; held only for memory operations, never across a database call.
  mutable std::shared_mutex mu_;
  mutable std::unordered_map<std::string, Principal> db_index_;
  // Hashes presented and found in no table (see cached()).
  mutable std::unordered_set<std::string> unknown_;
  // What a lookup checks before caching its answer (see look_up()).
  mutable uint64_t revocations_ = 0;
  mutable uint64_t changes_ = 0;  // revocations and reloads
  mutable bool reloading_ = false;
  mutable std::unordered_map<std::string, Principal> found_during_reload_;

  mutable std::mutex db_mu_;  // guards table_ but find_active; orders reloads against create/revoke
  std::unique_ptr<KeyTable> table_;
  mutable std::mutex turn_mu_;  // looking_up_: one find_active at a time (take_lookup_turn())
  mutable std::condition_variable turn_cv_;
  mutable bool looking_up_ = false;
  // steady_clock ticks of the last successful reload (real time, as reload_interval_ is).
  std::atomic<std::chrono::steady_clock::rep> last_reload_ok_{0};
  mutable std::string looking_up_hash_;  // the hash looking_up_ is for

  const std::chrono::milliseconds reload_interval_;
  const std::chrono::milliseconds stale_after_;
  mutable KeyDbHealth health_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // under stop_mu_
  std::thread reloader_;
};

}  // namespace

std::string models_json(const std::vector<std::string>& models) {
  boost::json::array a;
  for (const auto& m : models) {
    a.emplace_back(m);
  }
  return boost::json::serialize(a);
}

std::vector<std::string> models_from_json(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) {
    return out;
  }
  for (const auto& m : v.as_array()) {
    if (m.is_string()) {
      out.emplace_back(m.as_string());
    }
  }
  return out;
}

std::unique_ptr<KeyStore> make_table_key_store(const config::Config& cfg, std::unique_ptr<KeyTable> table,
                                               const Clock& clock, const KeyStoreOptions& options) {
  return std::make_unique<TableKeyStore>(cfg, std::move(table), clock, options);
}

}  // namespace gw
