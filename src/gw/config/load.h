#pragma once
// Loading and validating the YAML configuration. Control plane: problems are collected, never
// thrown one at a time, so `switchyard check` can print every one of them.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gw/config/schema.h"

namespace gw::config {

struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string key;  // dotted path, e.g. "models.claude.deployments[0].provider"
  std::string what;
  std::string to_string() const;  // "file:line: key: what"
};

struct LoadResult {
  std::optional<Config> config;  // set only when problems is empty
  std::vector<Problem> problems;
};

// HOST:PORT as `listen` takes it: HOST a name, an IPv4 address or a bracketed IPv6 one, PORT
// 0 to 65535 (0: the kernel picks). Also checks `serve --listen`, which overrides the config.
bool valid_listen(std::string_view s);

// Environment lookup, injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Expands ${VAR} and ${VAR:-default} anywhere in a string. An unset ${VAR} without a default
// expands to "" (so `master_key: ${SWITCHYARD_MASTER_KEY}` unset disables the admin API); the
// validator reports fields that are required and ended up empty. "$$" is a literal "$".
// Returns nullopt on a malformed reference ("${" without "}"), naming it in *error.
std::optional<std::string> expand_env(const std::string& in, const EnvLookup& env, std::string* error);

LoadResult load_config_file(const std::string& path, const EnvLookup& env = process_env());
LoadResult load_config_string(const std::string& yaml, const std::string& file_name,
                              const EnvLookup& env = process_env());

}  // namespace gw::config
