// `switchyard usage [--by ...] [--since ...] [--until ...] [--json]`.
#include <algorithm>
#include <ostream>

#include "gw/admin/admin_json.h"
#include "gw/admin/cli.h"
#include "gw/admin/cli_args.h"
#include "gw/ledger/pricing.h"
#include "gw/ledger/make_ledger.h"
#include "gw/storage/time_text.h"

namespace gw {

const std::string_view kUsageUsage =
    "usage: switchyard usage [--by key,model,provider,deployment] [--since 24h|7d|30m|RFC3339]"
    " [--until ...] [--json]\n";

namespace {

int bad_args(std::ostream& err, const std::string& why) {
  err << "switchyard usage: " << why << "\n" << kUsageUsage;
  return 2;
}

// "90s", "30m", "24h", "7d" back from now, or an RFC 3339 time.
std::optional<int64_t> parse_time_arg(const std::string& text, const Clock& clock) {
  if (text.size() >= 2 && text.size() <= 10 &&
      text.find_first_not_of("0123456789") == text.size() - 1) {
    const int64_t n = std::stoll(text.substr(0, text.size() - 1));
    int64_t unit_ms = 0;
    switch (text.back()) {
      case 's': unit_ms = 1000; break;
      case 'm': unit_ms = 60'000; break;
      case 'h': unit_ms = 3'600'000; break;
      case 'd': unit_ms = 86'400'000; break;
      case 'w': unit_ms = 7 * 86'400'000LL; break;
      default: return std::nullopt;
    }
    return unix_ms(clock.now()) - n * unit_ms;
  }
  return storage::parse_rfc3339_ms(text);
}

std::string grouped_value(const UsageRow& r, const std::string& field) {
  if (field == "key") {
    return r.key;
  }
  if (field == "model") {
    return r.model;
  }
  if (field == "provider") {
    return r.provider;
  }
  return r.deployment;
}

// Costs share one number of decimals (at least 2) so the column lines up on the point.
void align_costs(std::vector<std::vector<std::string>>& table) {
  size_t decimals = 2;
  for (const auto& line : table) {
    const auto dot = line.back().find('.');
    if (dot != std::string::npos) {
      decimals = std::max(decimals, line.back().size() - dot - 1);
    }
  }
  for (auto& line : table) {
    std::string& c = line.back();
    if (c.find('.') == std::string::npos) {
      c += '.';
    }
    c.append(decimals - (c.size() - c.find('.') - 1), '0');
  }
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

int run_usage_command(const config::Config& cfg, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, const Clock& clock) {
  std::string why;
  auto a = parse_cli_args(args, {"by", "since", "until"}, {"json"}, &why);
  if (!a) {
    return bad_args(err, why);
  }
  if (!a->positional.empty()) {
    return bad_args(err, "unexpected argument '" + a->positional[0] + "'");
  }
  UsageQuery q;
  auto by = parse_group_by(a->flags.count("by") != 0 ? a->flags["by"] : "key,model");
  if (!by) {
    return bad_args(err, "--by: " + by.error().message);
  }
  q.group_by = *by;
  for (const char* f : {"since", "until"}) {
    if (auto it = a->flags.find(f); it != a->flags.end()) {
      auto ms = parse_time_arg(it->second, clock);
      if (!ms) {
        return bad_args(err, std::string("--") + f + ": expected 24h, 7d, 30m or an RFC 3339 time");
      }
      (std::string(f) == "since" ? q.since_ms : q.until_ms) = *ms;
    }
  }

  auto ledger = make_ledger(cfg, clock);  // throws on an unusable database: main() reports it
  auto rows = ledger->usage(q);
  if (!rows) {
    err << "switchyard usage: " << rows.error().message << "\n";
    return 1;
  }
  if (a->switches.count("json") != 0) {
    out << usage_rows_json(*rows, q.group_by) << "\n";
    return 0;
  }

  std::vector<std::string> header;
  std::vector<bool> right;
  for (const auto& f : q.group_by) {
    header.push_back(upper(f));
    right.push_back(false);
  }
  for (const char* h : {"REQUESTS", "INPUT_TOKENS", "OUTPUT_TOKENS", "COST_USD"}) {
    header.emplace_back(h);
    right.push_back(true);
  }
  std::vector<std::vector<std::string>> table;
  UsageRow total;
  for (const auto& r : *rows) {
    std::vector<std::string> line;
    for (const auto& f : q.group_by) {
      line.push_back(grouped_value(r, f));
    }
    line.insert(line.end(), {std::to_string(r.requests), std::to_string(r.input_tokens),
                             std::to_string(r.output_tokens), format_usd(r.cost_nano_usd)});
    table.push_back(std::move(line));
    total.requests += r.requests;
    total.input_tokens += r.input_tokens;
    total.output_tokens += r.output_tokens;
    total.cost_nano_usd += r.cost_nano_usd;
  }
  if (!q.group_by.empty() && table.size() > 1) {
    std::vector<std::string> line(q.group_by.size(), "");
    line[0] = "TOTAL";
    line.insert(line.end(), {std::to_string(total.requests), std::to_string(total.input_tokens),
                             std::to_string(total.output_tokens), format_usd(total.cost_nano_usd)});
    table.push_back(std::move(line));
  }
  align_costs(table);
  out << render_table(header, table, right);
  if (rows->empty()) {
    out << "(no usage in this range)\n";
  }
  return 0;
}

}  // namespace gw
