// Choosing a ledger from the config's `ledger:` URL.
#include <stdexcept>

#include "gw/ledger/make_ledger.h"
#include "gw/ledger/postgres_ledger.h"
#include "gw/ledger/sqlite_ledger.h"
#include "gw/storage/postgres.h"

namespace gw {

std::optional<std::string> sqlite_path_from_url(std::string_view url) {
  constexpr std::string_view kScheme = "sqlite://";
  if (url.substr(0, kScheme.size()) != kScheme || url.size() == kScheme.size()) {
    return std::nullopt;
  }
  return std::string(url.substr(kScheme.size()));
}

std::unique_ptr<Ledger> make_sqlite_ledger(const std::string& path, config::LedgerSync sync,
                                           const Clock& clock) {
  return std::make_unique<SqliteLedger>(path, sync, clock);
}

std::unique_ptr<Ledger> make_ledger(const config::Config& cfg, const Clock& clock) {
  if (storage::is_postgres_url(cfg.ledger)) {
    return make_postgres_ledger(cfg.ledger, cfg.ledger_sync, clock);  // libpq reads the URL itself
  }
  auto path = sqlite_path_from_url(cfg.ledger);
  if (!path) {
    throw std::runtime_error("ledger: '" + cfg.ledger.substr(0, cfg.ledger.find(':')) +
                             "' is not supported; use sqlite://PATH or postgres://user:pass@host:port/db");
  }
  return make_sqlite_ledger(*path, cfg.ledger_sync, clock);
}

}  // namespace gw
