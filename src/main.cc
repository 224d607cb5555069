// switchyard: the command line (contract.md "The program").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <string>

#ifdef SWITCHYARD_MIMALLOC
#include <mimalloc.h>
#endif

#include "gw/admin/cli.h"
#include "gw/admin/cli_args.h"
#include "gw/config/load.h"
#include "gw/config/warnings.h"
#include "gw/emulate/emulator.h"
#include "gw/providers/signer.h"
#include "gw/server/server.h"

namespace {

// Loads the config or prints every problem; nullopt means "exit 1".
std::optional<gw::config::Config> load_or_report(const std::string& path) {
  auto loaded = gw::config::load_config_file(path);
  for (const auto& p : loaded.problems) {
    std::cerr << p.to_string() << "\n";
  }
  if (!loaded.config) {
    std::cerr << path << ": " << loaded.problems.size() << " problem(s)\n";
    return std::nullopt;
  }
  return loaded.config;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"switchyard: a self-hosted AI gateway"};
  std::string version = std::string("switchyard ") + SWITCHYARD_VERSION;
#ifdef SWITCHYARD_MIMALLOC
  // Also a direct reference, so no --as-needed link can drop the allocator.
  version += " (mimalloc " + std::to_string(mi_version()) + ")";
#endif
  app.set_version_flag("--version", version);
  app.require_subcommand(1);

  std::string config_path;
  std::string listen;
  auto* serve = app.add_subcommand("serve", "run the gateway");
  serve->add_option("--config,-c", config_path, "config file")->required();
  serve->add_option("--listen", listen, "HOST:PORT, overrides the config");

  auto* check = app.add_subcommand("check", "validate a config file");
  check->add_option("--config,-c", config_path, "config file")->required();

  gw::EmulatorOptions emu;
  auto* emulate = app.add_subcommand("emulate", "run a built-in OpenAI/Anthropic-format upstream emulator");
  emulate->add_option("--listen", emu.listen, "HOST:PORT")->capture_default_str();
  emulate->add_option("--latency-ms", emu.latency_ms, "delay before the first byte")->check(CLI::Range(0, 3600000));
  emulate->add_option("--tokens-per-s", emu.tokens_per_s, "streaming pace (0 = unpaced)")->check(CLI::Range(0.0, 1e6));
  emulate->add_option("--reply-tokens", emu.reply_tokens, "a reply's length; a smaller max_tokens cuts it short")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  emulate->add_option("--fail-rate", emu.fail_rate, "fraction of requests answered with an overload error")
      ->check(CLI::Range(0.0, 1.0));
  emulate->add_option("--threads", emu.threads, "I/O threads")->check(CLI::PositiveNumber);

  // keys and usage stop parsing at their first word (prefix_command), so `--config` may also come
  // later on the line (`keys create --name N --config FILE`): found in remaining() below.
  auto* keys = app.add_subcommand("keys", "manage virtual keys: create | list | revoke ID");
  keys->add_option("--config,-c", config_path, "config file (names the ledger database, required)");
  keys->footer(std::string(gw::kKeysUsage));
  keys->allow_extras();
  keys->prefix_command();

  auto* usage = app.add_subcommand("usage", "print usage and cost from the ledger");
  usage->add_option("--config,-c", config_path, "config file (names the ledger database, required)");
  usage->footer(std::string(gw::kUsageUsage));
  usage->allow_extras();
  usage->prefix_command();

  CLI11_PARSE(app, argc, argv);

  try {
    if (*emulate) {
      return gw::run_emulator(emu);
    }
    for (auto* sub : {keys, usage}) {
      // `keys create --help`: CLI11 did not see a --help after the subcommand's first word.
      const auto rest = sub->remaining();
      if (*sub && std::find_if(rest.begin(), rest.end(), [](const std::string& a) {
                    return a == "--help" || a == "-h";
                  }) != rest.end()) {
        std::cout << sub->help();
        return 0;
      }
      if (*sub && config_path.empty()) {
        config_path = gw::config_option(sub->remaining()).value_or("");
        if (config_path.empty()) {
          std::cerr << "switchyard " << sub->get_name() << ": --config FILE is required\n";
          return 2;
        }
      }
    }
    auto cfg = load_or_report(config_path);
    if (!cfg) {
      return 1;
    }
    if (*check) {
      for (const auto& w : gw::config::config_warnings(*cfg)) {
        std::cerr << "warning: " << w.to_string() << "\n";
      }
      for (const auto& w : gw::credential_warnings(*cfg)) {
        std::cerr << "warning: " << w.to_string() << "\n";
      }
      std::cout << config_path << ": OK (" << cfg->providers.size() << " providers, " << cfg->models.size()
                << " models, " << cfg->keys.size() << " static keys)\n";
      return 0;
    }
    if (*serve) {
      if (!listen.empty()) {
        if (!gw::config::valid_listen(listen)) {
          std::cerr << "switchyard: --listen must be HOST:PORT with a port from 0 to 65535, got '" << listen << "'\n";
          return 1;
        }
        cfg->listen = listen;
      }
      return gw::run_server(*cfg);
    }
    if (*keys) {
      return gw::run_keys_command(*cfg, keys->remaining(), std::cout, std::cerr);
    }
    if (*usage) {
      return gw::run_usage_command(*cfg, usage->remaining(), std::cout, std::cerr);
    }
  } catch (const std::exception& e) {
    std::cerr << "switchyard: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
