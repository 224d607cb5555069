// Choosing where created keys live from the config's `ledger:` URL: the ledger's own database.
#include "gw/auth/key_store_factory.h"

#include <stdexcept>

#include "gw/auth/key_table.h"
#include "gw/storage/postgres.h"

namespace gw {

std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const std::string& db_path,
                                         const Clock& clock, const KeyStoreOptions& options) {
  return make_table_key_store(cfg, open_sqlite_key_table(db_path), clock, options);
}

std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const Clock& clock,
                                         const KeyStoreOptions& options) {
  if (storage::is_postgres_url(cfg.ledger)) {
    return make_table_key_store(cfg, open_postgres_key_table(cfg.ledger), clock, options);
  }
  constexpr std::string_view kScheme = "sqlite://";
  if (cfg.ledger.rfind(kScheme, 0) != 0 || cfg.ledger.size() == kScheme.size()) {
    throw std::runtime_error("keys: the ledger must be sqlite://PATH or postgres://user:pass@host:port/db");
  }
  return make_key_store(cfg, cfg.ledger.substr(kScheme.size()), clock, options);
}

}  // namespace gw
