#pragma once
// What a config may say but probably does not mean: `check` prints these as warnings and `serve`
// logs them at start, but neither refuses the config for them.
#include <vector>

#include "gw/config/load.h"

namespace gw::config {

// A deployment without a price (its usage would be billed at $0 without anyone deciding so).
std::vector<Problem> config_warnings(const Config& cfg);

}  // namespace gw::config
