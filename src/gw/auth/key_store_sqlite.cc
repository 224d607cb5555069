// The key store: an in-memory index from SHA-256(secret) to Principal, backed by the `keys` table.
#include <boost/json.hpp>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "gw/auth/key_store_factory.h"
#include "gw/common/ids.h"
#include "gw/storage/migrations.h"
#include "gw/storage/sqlite.h"
#include "gw/storage/time_text.h"

namespace gw {

namespace {

constexpr std::string_view kConfigPrefix = "cfg:";
constexpr size_t kMaxNameBytes = 200;
constexpr std::string_view kColumns =
    "id, name, hash, models, rpm, tpm, budget_nano_usd, budget_period, created_at, revoked_at";

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
      out.emplace_back(m.as_string().c_str());
    }
  }
  return out;
}

struct Row {
  KeyInfo info;
  std::string hash;
};

// Reads one row selected with kColumns.
Row read_row(const storage::Statement& st) {
  Row r;
  r.info.id = st.column_text(0);
  r.info.name = st.column_text(1);
  r.hash = st.column_text(2);
  r.info.models = models_from_json(st.column_text(3));
  r.info.rpm = st.column_optional_int64(4);
  r.info.tpm = st.column_optional_int64(5);
  if (auto nano = st.column_optional_int64(6)) {
    auto period = config::parse_budget_period(st.column_text(7));
    r.info.budget = config::Budget{*nano, period.value_or(config::BudgetPeriod::Total)};
  }
  r.info.created_at = st.column_text(8);
  r.info.revoked = !st.column_is_null(9);
  return r;
}

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
  for (const auto& m : spec.models) {
    if (m.empty()) {
      return invalid_field("models", "model names may not be empty");
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

class SqliteKeyStore final : public KeyStore {
 public:
  SqliteKeyStore(const config::Config& cfg, const std::string& path, const Clock& clock) : clock_(clock) {
    auto db = storage::Db::open(path);
    if (!db) {
      throw std::runtime_error("keys: " + db.error().message);
    }
    db_ = std::move(*db);
    if (auto v = storage::migrate(db_); !v) {
      throw std::runtime_error("keys " + path + ": " + v.error().message);
    }
    for (const auto& k : cfg.keys) {
      if (k.key.empty()) {
        continue;  // an unset ${VAR}: such a key can never be presented
      }
      KeyInfo info{std::string(kConfigPrefix) + k.name, k.name, k.models, k.rpm, k.tpm, k.budget, "",
                   false, true};
      config_index_.emplace(sha256_hex(k.key), principal_of(info));
      config_keys_.push_back(std::move(info));
    }
    std::lock_guard db_lock(db_mu_);
    if (auto r = reload_locked(); !r) {
      throw std::runtime_error("keys " + path + ": " + r.error().message);
    }
  }

  Result<Principal> authenticate(std::string_view secret) const override {
    const std::string hash = sha256_hex(secret);
    if (auto it = config_index_.find(hash); it != config_index_.end()) {
      return it->second;
    }
    maybe_reload();
    {
      std::shared_lock lk(mu_);
      if (auto it = db_index_.find(hash); it != db_index_.end()) {
        return it->second;
      }
      // Known to be unknown: a client retrying a revoked or mistyped key does not queue on the
      // database lock every time. (A secret nobody has created yet cannot be in here: secrets are
      // random, so none is presented before it exists.)
      if (unknown_.count(hash) != 0) {
        return make_error(Code::Unauthenticated, "invalid API key");
      }
    }
    // Unknown here: perhaps created a moment ago by another process (the CLI).
    std::lock_guard db_lock(db_mu_);
    auto st = db_.prepare("SELECT " + std::string(kColumns) + " FROM keys WHERE hash = ?1 AND revoked_at IS NULL");
    if (st) {
      st->bind(1, hash);
      auto row = st->step();
      if (row && *row) {
        Principal p = principal_of(read_row(*st).info);
        std::unique_lock lk(mu_);
        db_index_[hash] = p;
        return p;
      }
      if (row) {  // a clean miss, not a database error
        std::unique_lock lk(mu_);
        if (unknown_.size() >= kMaxUnknownKeys) {
          unknown_.clear();  // bounded: a flood of distinct bad keys costs lookups, not memory
        }
        unknown_.insert(hash);
      }
    }
    return make_error(Code::Unauthenticated, "invalid API key");
  }

  Result<std::pair<KeyInfo, std::string>> create(const KeySpec& spec) override {
    if (auto v = validate(spec); !v) {
      return v.error();
    }
    KeyInfo info{"key_" + random_token(8), spec.name, spec.models, spec.rpm, spec.tpm, spec.budget,
                 storage::format_rfc3339_ms(unix_ms(clock_.now())), false, false};
    std::string secret = "sk-sy-" + random_token(24);
    const std::string hash = sha256_hex(secret);

    std::lock_guard db_lock(db_mu_);
    // Names identify keys in usage reports, so two active keys may not share one.
    if (auto taken = name_taken_locked(spec.name); !taken || *taken) {
      return taken ? invalid_field("name", "an active key named '" + spec.name + "' already exists")
                   : taken.error();
    }
    auto st = db_.prepare("INSERT INTO keys (" + std::string(kColumns) +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)");
    if (!st) {
      return st.error();
    }
    st->bind(1, info.id).bind(2, info.name).bind(3, hash).bind(4, models_json(info.models));
    st->bind(5, info.rpm).bind(6, info.tpm);
    if (info.budget) {
      st->bind(7, info.budget->nano_usd).bind(8, config::to_string(info.budget->period));
    } else {
      st->bind_null(7).bind_null(8);
    }
    st->bind(9, info.created_at);
    if (auto r = st->run(); !r) {
      return r.error();
    }
    std::unique_lock lk(mu_);
    db_index_[hash] = principal_of(info);
    return std::make_pair(std::move(info), std::move(secret));
  }

  std::vector<KeyInfo> list() const override {
    std::vector<KeyInfo> out = config_keys_;
    std::lock_guard db_lock(db_mu_);
    auto st = db_.prepare("SELECT " + std::string(kColumns) + " FROM keys ORDER BY created_at, id");
    if (!st) {
      return out;
    }
    while (true) {
      auto more = st->step();
      if (!more || !*more) {
        break;
      }
      out.push_back(read_row(*st).info);
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
    auto find = db_.prepare("SELECT hash FROM keys WHERE id = ?1");
    if (!find) {
      return find.error();
    }
    find->bind(1, id);
    auto row = find->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(Code::NotFound, "no key with id '" + id + "'");
    }
    const std::string hash = find->column_text(0);
    auto upd = db_.prepare("UPDATE keys SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL");
    if (!upd) {
      return upd.error();
    }
    upd->bind(1, storage::format_rfc3339_ms(unix_ms(clock_.now()))).bind(2, id);
    if (auto r = upd->run(); !r) {
      return r.error();
    }
    std::unique_lock lk(mu_);
    db_index_.erase(hash);  // revoking twice is fine: the key stays revoked
    return {};
  }

 private:
  Result<bool> name_taken_locked(const std::string& name) const {
    for (const auto& k : config_keys_) {
      if (k.name == name) {
        return true;
      }
    }
    auto st = db_.prepare("SELECT 1 FROM keys WHERE name = ?1 AND revoked_at IS NULL");
    if (!st) {
      return st.error();
    }
    st->bind(1, name);
    return st->step();
  }

  // Re-reads the active keys of the database (another process may have created or revoked some).
  void maybe_reload() const {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            clock_.steady_now().time_since_epoch()).count();
    int64_t last = last_reload_ms_.load();
    const int64_t interval = std::chrono::duration_cast<std::chrono::milliseconds>(kKeyReloadInterval).count();
    if (now - last < interval || !last_reload_ms_.compare_exchange_strong(last, now)) {
      return;  // fresh enough, or another thread is reloading
    }
    std::lock_guard db_lock(db_mu_);
    (void)reload_locked();  // on failure keep the current index; the next interval tries again
  }

  // Under db_mu_, so that a concurrent revoke() cannot be undone by a stale snapshot.
  Result<void> reload_locked() const {
    auto st = db_.prepare("SELECT " + std::string(kColumns) + " FROM keys WHERE revoked_at IS NULL");
    if (!st) {
      return st.error();
    }
    std::unordered_map<std::string, Principal> fresh;
    while (true) {
      auto more = st->step();
      if (!more) {
        return more.error();
      }
      if (!*more) {
        break;
      }
      Row r = read_row(*st);
      fresh.emplace(std::move(r.hash), principal_of(r.info));
    }
    std::unique_lock lk(mu_);
    db_index_.swap(fresh);
    unknown_.clear();  // a negative answer is trusted for one reload interval at most
    last_reload_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                          clock_.steady_now().time_since_epoch()).count();
    return {};
  }

  const Clock& clock_;
  // Static keys: built once, read without a lock.
  std::unordered_map<std::string, Principal> config_index_;
  std::vector<KeyInfo> config_keys_;
  // Keys of the database, by hash.
  mutable std::shared_mutex mu_;
  mutable std::unordered_map<std::string, Principal> db_index_;
  // Hashes presented and found in no table (see authenticate); under mu_.
  static constexpr size_t kMaxUnknownKeys = 10000;
  mutable std::unordered_set<std::string> unknown_;
  mutable std::mutex db_mu_;  // guards db_ and orders reloads against create/revoke
  mutable storage::Db db_;
  mutable std::atomic<int64_t> last_reload_ms_{0};
};

}  // namespace

std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const std::string& db_path,
                                         const Clock& clock) {
  return std::make_unique<SqliteKeyStore>(cfg, db_path, clock);
}

std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg) {
  constexpr std::string_view kScheme = "sqlite://";
  if (cfg.ledger.rfind(kScheme, 0) != 0 || cfg.ledger.size() == kScheme.size()) {
    throw std::runtime_error("keys: the ledger must be sqlite://PATH in this build");
  }
  return make_key_store(cfg, cfg.ledger.substr(kScheme.size()));
}

}  // namespace gw
