#pragma once
// An environment for the chain, from a map (tests never read the process's own).
#include <map>
#include <optional>
#include <string>

#include "gw/config/load.h"

namespace gw::azure::testing {

inline config::EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

}  // namespace gw::azure::testing
