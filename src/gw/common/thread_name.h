#pragma once

#include <string_view>

namespace gw {

// Names the calling thread (Linux keeps 15 bytes), so `top -H`, `perf` and /proc/<pid>/task show
// which of the gateway's threads is which: sy-worker-N, sy-ledger, sy-log, ...
void name_this_thread(std::string_view name);

}  // namespace gw
