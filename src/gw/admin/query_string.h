#pragma once
// Splitting a request target into its path and decoded query parameters.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/common/percent.h"  // percent_decode, which callers of this header use too

namespace gw {

struct Target {
  std::string path;                                        // percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order ('+' is a space)
};

// nullopt for a malformed escape (e.g. "%zz").
std::optional<Target> parse_target(std::string_view target);

}  // namespace gw
