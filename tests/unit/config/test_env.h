#pragma once
// Helpers for config tests: a fixed environment (nothing depends on the process environment) and
// problem matchers that print every problem on failure.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "gw/config/load.h"

namespace gw::config::testing {

inline EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

inline LoadResult load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  return load_config_string(yaml, "test.yaml", env_of(std::move(env)));
}

inline std::string all_problems(const LoadResult& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += "  " + p.to_string() + "\n";
  }
  return out;
}

// A problem at exactly this key path and line whose message contains `what`.
inline ::testing::AssertionResult has_problem(const LoadResult& r, const std::string& key, int line,
                                              const std::string& what) {
  for (const auto& p : r.problems) {
    if (p.key == key && p.line == line && p.what.find(what) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no problem " << key << " @" << line << " ~ '" << what
                                       << "' among:\n" << all_problems(r);
}

}  // namespace gw::config::testing
