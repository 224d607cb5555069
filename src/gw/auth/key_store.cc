// The key store: an in-memory index from SHA-256(secret) to Principal, backed by a KeyTable.
#include <boost/json.hpp>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "gw/auth/key_store_factory.h"
#include "gw/auth/key_table.h"
#include "gw/common/ids.h"
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

Error name_taken(const std::string& name) {
  return invalid_field("name", "an active key named '" + name + "' already exists");
}

class TableKeyStore final : public KeyStore {
 public:
  TableKeyStore(const config::Config& cfg, std::unique_ptr<KeyTable> table, const Clock& clock)
      : clock_(clock), table_(std::move(table)) {
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
      throw std::runtime_error("keys: " + r.error().message);
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
    // Unknown here: perhaps created a moment ago by another process (the CLI, another gateway).
    std::lock_guard db_lock(db_mu_);
    auto row = table_->find_active(hash);
    if (row && *row) {
      Principal p = principal_of((*row)->info);
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
    return make_error(Code::Unauthenticated, "invalid API key");
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
    return {};
  }

 private:
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
    auto rows = table_->active();
    if (!rows) {
      return rows.error();
    }
    std::unordered_map<std::string, Principal> fresh;
    for (auto& r : *rows) {
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
  mutable std::mutex db_mu_;  // guards table_ and orders reloads against create/revoke
  std::unique_ptr<KeyTable> table_;
  mutable std::atomic<int64_t> last_reload_ms_{0};
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
      out.emplace_back(m.as_string().c_str());
    }
  }
  return out;
}

std::unique_ptr<KeyStore> make_table_key_store(const config::Config& cfg, std::unique_ptr<KeyTable> table,
                                               const Clock& clock) {
  return std::make_unique<TableKeyStore>(cfg, std::move(table), clock);
}

}  // namespace gw
