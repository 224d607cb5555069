#pragma once
// Building the key store: static keys from the config plus keys kept in the ledger database.
#include <chrono>
#include <memory>
#include <string>

#include "gw/auth/key_store.h"
#include "gw/common/clock.h"
#include "gw/config/schema.h"

namespace gw {

inline constexpr std::chrono::seconds kKeyReloadInterval{2};
inline constexpr std::chrono::seconds kKeyIndexStaleAfter{30};

struct KeyStoreOptions {
  // How often the store's thread re-reads the keys (real time, not the injected clock: it is a
  // sleep, not arithmetic). The gateway uses the default; tests shorten it to watch reloads
  // happen, or lengthen it to watch the cache hold.
  std::chrono::milliseconds reload_interval = kKeyReloadInterval;
  // A replica whose reloads have all failed for this long (real time) may be missing revocations
  // made elsewhere: it refuses database-created keys until a reload succeeds (fails closed);
  // config keys keep working.
  std::chrono::milliseconds stale_after = kKeyIndexStaleAfter;
};

// Keys from `cfg.keys` and from the `keys` table of the SQLite database at `db_path` (created and
// migrated if needed). Throws std::runtime_error if the database cannot be opened: start-up only.
//
// Static keys are hashed here and their secrets dropped; their ids are "cfg:<name>" and the API
// cannot revoke them. Created keys get "key_<16 hex>" ids and "sk-sy-<48 hex>" secrets.
// Revocation through this store takes effect at once on every thread; keys created or revoked by
// another process (the CLI next to a running server) are seen within kKeyReloadInterval: a thread
// of the store re-reads them, so authenticate() of a known key only reads memory. An unknown
// secret is also looked up in the database at once, so a new key works immediately; that lookup
// is bounded (up to 1 s waiting for another thread's lookup, then about 1 s to connect and 1 s
// for the query at worst) and, after it failed, paused for kKeyLookupPause (such secrets get
// Unauthenticated meanwhile, and the reload still catches up). A secret found nowhere is
// remembered as unknown until the next reload, so repeating it costs no lookup. Outages are
// logged once each (keys_database_unreachable, keys_database_recovered), never with a password.
std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const std::string& db_path,
                                         const Clock& clock = real_clock(), const KeyStoreOptions& options = {});
// The same, with the database that `cfg.ledger` names: sqlite://PATH, or postgres://… (and
// postgresql://…), where the keys live in a table of the ledger's PostgreSQL database (the
// password never appears in an error).
std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const Clock& clock = real_clock(),
                                         const KeyStoreOptions& options = {});

// After an at-once lookup failed (the database unreachable or too slow), unknown secrets are not
// looked up for this long (by the injected clock), unless a reload succeeds first.
inline constexpr std::chrono::seconds kKeyLookupPause{5};

}  // namespace gw
