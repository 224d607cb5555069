#pragma once
// The `keys` table of the ledger database, one implementation per backend (key_table_sqlite.cc,
// key_table_postgres.cc). Only storage: the index, the caching, validation and the rules of
// revocation are the store's (key_store.cc), the same for every backend.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/auth/key_store.h"
#include "gw/auth/key_store_factory.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw {

struct KeyRow {
  KeyInfo info;
  std::string hash;  // SHA-256 of the secret, lowercase hex
};

// Calls come one at a time (the store holds a mutex around each), except find_active: the store's
// at-once lookup of an unknown secret, made on a request thread. It may run while another call
// does (one find_active at a time), so it uses a connection of its own, with short bounds on every
// wait for the database: it must neither queue behind a slow reload nor hang on a dead server.
// An implementation that holds a connection to a server reconnects it when it was dropped.
class KeyTable {
 public:
  virtual ~KeyTable() = default;
  virtual Result<std::optional<KeyRow>> find_active(const std::string& hash) = 0;
  virtual Result<std::vector<KeyRow>> active() = 0;
  virtual Result<std::vector<KeyInfo>> all() = 0;  // by created_at, then id
  virtual Result<bool> active_name_exists(const std::string& name) = 0;
  // InvalidRequest (field name) where the database itself refuses a second active key of a name.
  virtual Result<void> insert(const KeyRow& row) = 0;
  virtual Result<std::optional<std::string>> hash_of(const std::string& id) = 0;  // any key, revoked too
  virtual Result<void> mark_revoked(const std::string& id, const std::string& at) = 0;  // idempotent
};

// Throw std::runtime_error (never naming a password) if the database cannot be opened, reached
// or migrated: start-up only.
std::unique_ptr<KeyTable> open_sqlite_key_table(const std::string& path);
std::unique_ptr<KeyTable> open_postgres_key_table(const std::string& url);

// The store over a table, with the static keys of `cfg` beside it (key_store_factory.h).
std::unique_ptr<KeyStore> make_table_key_store(const config::Config& cfg, std::unique_ptr<KeyTable> table,
                                               const Clock& clock, const KeyStoreOptions& options = {});

// The `models` column: a JSON array of model names ([] = all).
std::string models_json(const std::vector<std::string>& models);
std::vector<std::string> models_from_json(const std::string& text);

}  // namespace gw
