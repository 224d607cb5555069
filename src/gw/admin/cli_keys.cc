// `switchyard keys create | list | revoke ID`.
#include <ostream>

#include "gw/admin/cli.h"
#include "gw/admin/cli_args.h"
#include "gw/admin/key_models.h"
#include "gw/auth/key_store_factory.h"
#include "gw/config/decimal.h"
#include "gw/ledger/pricing.h"

namespace gw {

const std::string_view kKeysUsage =
    "usage: switchyard keys create --name N [--models a,b] [--rpm N] [--tpm N]"
    " [--budget-usd X [--budget-period day|week|month|year|total]]\n"
    "       switchyard keys list\n"
    "       switchyard keys revoke ID\n";

namespace {

int bad_args(std::ostream& err, const std::string& why) {
  err << "switchyard keys: " << why << "\n" << kKeysUsage;
  return 2;
}

std::optional<int64_t> positive(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int64_t v = std::stoll(text);
  return v > 0 ? std::optional<int64_t>(v) : std::nullopt;
}

// "a,b" or "a, b" (as typed in a shell, like --by in `usage`): names never carry the spaces.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      out.push_back(item);
    }
    start = comma + 1;
  }
  return out;
}

std::string limit_text(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }

int create(const config::Config& cfg, KeyStore& keys, const CliArgs& a, std::ostream& out,
           std::ostream& err) {
  KeySpec spec;
  if (auto it = a.flags.find("name"); it != a.flags.end()) {
    spec.name = it->second;
  } else {
    return bad_args(err, "create needs --name");
  }
  if (auto it = a.flags.find("models"); it != a.flags.end()) {
    spec.models = split_list(it->second);
    if (spec.models.empty()) {  // would read as "all models", the opposite of what it looks like
      return bad_args(err, "--models must name at least one model (omit it to allow every model)");
    }
  }
  for (const char* f : {"rpm", "tpm"}) {
    if (auto it = a.flags.find(f); it != a.flags.end()) {
      auto n = positive(it->second);
      if (!n) {
        return bad_args(err, std::string("--") + f + " must be a positive integer");
      }
      (std::string(f) == "rpm" ? spec.rpm : spec.tpm) = n;
    }
  }
  if (auto it = a.flags.find("budget-usd"); it != a.flags.end()) {
    std::string why;
    auto nano = config::parse_fixed_decimal(it->second, 9, &why);
    if (!nano) {
      return bad_args(err, "--budget-usd: " + why);
    }
    spec.budget = config::Budget{*nano, config::BudgetPeriod::Month};
  }
  if (auto it = a.flags.find("budget-period"); it != a.flags.end()) {
    auto p = config::parse_budget_period(it->second);
    if (!p) {
      return bad_args(err, "--budget-period must be day, week, month, year or total");
    }
    if (!spec.budget) {
      return bad_args(err, "--budget-period needs --budget-usd");
    }
    spec.budget->period = *p;
  }
  if (auto known = check_key_models(spec, cfg); !known) {
    err << "switchyard keys create: " << known.error().message << "\n";
    return 1;
  }
  auto created = keys.create(spec);
  if (!created) {
    err << "switchyard keys create: " << created.error().message << "\n";
    return 1;
  }
  const auto& [info, secret] = *created;
  out << "created key '" << info.name << "'\n"
      << "  id:  " << info.id << "\n"
      << "  key: " << secret << "\n"
      << "Store the key now: it is shown only this once (only its hash is kept).\n";
  return 0;
}

int list(KeyStore& keys, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : keys.list()) {
    std::string models;
    for (const auto& m : k.models) {
      models += (models.empty() ? "" : ",") + m;
    }
    const std::string budget =
        k.budget ? format_usd(k.budget->nano_usd) + " USD/" + std::string(config::to_string(k.budget->period)) : "-";
    const std::string status = k.revoked ? "revoked" : k.from_config ? "config" : "active";
    rows.push_back({k.id, k.name, models.empty() ? "*" : models, limit_text(k.rpm), limit_text(k.tpm), budget,
                    k.created_at.empty() ? "-" : k.created_at, status});
  }
  out << render_table({"ID", "NAME", "MODELS", "RPM", "TPM", "BUDGET", "CREATED", "STATUS"}, rows,
                      {false, false, false, true, true, true, false, false});
  return 0;
}

}  // namespace

int run_keys_command(const config::Config& cfg, const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err) {
  std::string why;
  auto a = parse_cli_args(args, {"name", "models", "rpm", "tpm", "budget-usd", "budget-period"}, {}, &why);
  if (!a) {
    return bad_args(err, why);
  }
  if (a->positional.empty()) {
    return bad_args(err, "missing a command (create, list, revoke)");
  }
  const std::string& cmd = a->positional[0];
  if (cmd != "create" && cmd != "list" && cmd != "revoke") {
    return bad_args(err, "unknown command '" + cmd + "'");
  }
  if (cmd == "revoke" && a->positional.size() != 2) {
    return bad_args(err, "revoke needs exactly one key id");
  }
  if (cmd != "revoke" && a->positional.size() != 1) {
    return bad_args(err, "unexpected argument '" + a->positional[1] + "'");
  }
  if (cmd != "create" && !a->flags.empty()) {
    return bad_args(err, "--" + a->flags.begin()->first + " applies to create only");
  }
  auto keys = make_key_store(cfg);  // throws on an unusable database: main() reports it
  if (cmd == "create") {
    return create(cfg, *keys, *a, out, err);
  }
  if (cmd == "list") {
    return list(*keys, out);
  }
  if (auto r = keys->revoke(a->positional[1]); !r) {
    err << "switchyard keys revoke: " << r.error().message << "\n";
    return 1;
  }
  out << "revoked " << a->positional[1] << "\n";
  return 0;
}

}  // namespace gw
