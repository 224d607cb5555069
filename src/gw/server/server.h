#pragma once
// `switchyard serve`: builds the shared services, starts one worker per core, and on SIGTERM or
// SIGINT drains (stop accepting, finish in-flight requests within drain_timeout, flush the
// ledger) and returns 0.
#include <string>

#include "gw/config/schema.h"

namespace gw {

int run_server(const config::Config& cfg);

}  // namespace gw
