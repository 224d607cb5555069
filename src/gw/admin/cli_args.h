#pragma once
// A tiny flag parser for the keys/usage subcommands: "--flag value", "--flag=value", "--switch",
// and positional words. `--config`/`-c` are skipped: main() has already taken them.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gw {

struct CliArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // without the leading "--"
  std::set<std::string> switches;
};

// `with_value`: flags that take a value; `switches`: flags that do not. Anything else is an error
// (the message names it).
std::optional<CliArgs> parse_cli_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                                      const std::set<std::string>& switches, std::string* error);

// The value of `--config FILE`, `-c FILE` or `--config=FILE` among `args`; nullopt if none.
std::optional<std::string> config_option(const std::vector<std::string>& args);

// Left-aligned text columns and right-aligned numeric ones, two spaces apart.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_align);

}  // namespace gw
