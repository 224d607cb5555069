#pragma once
// The ledger the config names: `ledger:` sqlite://PATH or postgres://… (postgresql://…), with
// `ledger_sync:`.
#include <memory>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/ledger.h"

namespace gw {

// Throws std::runtime_error (never naming a password) for an unsupported scheme or a database
// that cannot be opened, reached or migrated: start-up only.
std::unique_ptr<Ledger> make_ledger(const config::Config& cfg, const Clock& clock);

}  // namespace gw
