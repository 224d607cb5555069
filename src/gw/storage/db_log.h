#pragma once
// One JSON line on stderr for the layers that keep state in a database (the ledger and the key
// store), in the shape of telemetry's log_event, which they cannot link (telemetry sits above
// them). Written at once: these lines report outages and lost or rejected records, and an
// operator is waiting for exactly them. `detail` must hold no secret: storage/ never puts a
// password in an error, and records and key rows carry key ids and hashes, never keys.
#include <string_view>

#include "gw/common/clock.h"

namespace gw::storage {

void db_log(const Clock& clock, std::string_view level, std::string_view msg, std::string_view detail);

}  // namespace gw::storage
