#pragma once
// Building the key store: static keys from the config plus keys kept in the ledger database.
#include <memory>
#include <string>

#include "gw/auth/key_store.h"
#include "gw/common/clock.h"
#include "gw/config/schema.h"

namespace gw {

// Keys from `cfg.keys` and from the `keys` table of the SQLite database at `db_path` (created and
// migrated if needed). Throws std::runtime_error if the database cannot be opened: start-up only.
//
// Static keys are hashed here and their secrets dropped; their ids are "cfg:<name>" and the API
// cannot revoke them. Created keys get "key_<16 hex>" ids and "sk-sy-<48 hex>" secrets.
// Revocation through this store takes effect at once on every thread; keys created or revoked by
// another process (the CLI next to a running server) are seen within kKeyReloadInterval (an unknown
// secret is also looked up in the database at once, so a new key works immediately; a secret found
// nowhere is remembered as unknown until the next reload, so repeating it costs no lookup).
std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const std::string& db_path,
                                         const Clock& clock = real_clock());
// The same, with the database that `cfg.ledger` names: sqlite://PATH, or postgres://… (and
// postgresql://…), where the keys live in a table of the ledger's PostgreSQL database (the
// password never appears in an error).
std::unique_ptr<KeyStore> make_key_store(const config::Config& cfg, const Clock& clock = real_clock());

inline constexpr std::chrono::seconds kKeyReloadInterval{2};

}  // namespace gw
