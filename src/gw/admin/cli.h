#pragma once
// `switchyard keys ...` and `switchyard usage ...` (contract.md "The program"). main() has parsed
// `--config`; `args` is what follows the subcommand. Both return the process exit status:
// 0 done, 1 failed (message on err), 2 bad arguments (usage on err).
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/clock.h"
#include "gw/config/schema.h"

namespace gw {

// The usage lines of each command (also shown by --help and on bad arguments).
extern const std::string_view kKeysUsage;
extern const std::string_view kUsageUsage;

// keys create --name N [--models a,b] [--rpm N] [--tpm N] [--budget-usd X [--budget-period P]]
// keys list
// keys revoke ID
int run_keys_command(const config::Config& cfg, const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err);

// usage [--by key,model,provider,deployment] [--since 24h|7d|30m|RFC3339] [--until ...] [--json]
// Default --by key,model; default since: all time. The table ends with a total line.
int run_usage_command(const config::Config& cfg, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, const Clock& clock = real_clock());

}  // namespace gw
