// commitments: spending commitments made with clouds, each an amount per calendar period over the
// providers whose spend counts toward it. Read after providers (it names them) and before models
// (route: commitment needs a committed deployment).
#include "gw/config/yaml_reader.h"

namespace gw::config::detail {

namespace {

// Amounts are held in nano-USD, like budgets: nine decimal places.
constexpr int kUsdScale = 9;

std::vector<std::string> read_committed_providers(Reader& r, const Field& f, const std::string& name,
                                                  std::map<std::string, Provider>& providers) {
  std::vector<std::string> out;
  auto items = r.sequence(f);
  if (!items) {
    return out;
  }
  if (items->empty()) {
    r.problem(f, "must name at least one provider whose spend counts toward the commitment");
    return out;
  }
  for (const Field& item : *items) {
    auto s = r.string(item);
    if (!s) {
      continue;
    }
    auto it = providers.find(*s);
    if (it == providers.end()) {
      r.problem(item, "unknown provider '" + *s + "'");
      continue;
    }
    // One cloud account has one commitment; counting a provider's spend twice would show both
    // commitments burning down at once.
    if (!it->second.commitment.empty()) {
      r.problem(item, "provider '" + *s + "' already counts toward commitment '" + it->second.commitment + "'");
      continue;
    }
    it->second.commitment = name;
    out.push_back(*s);
  }
  return out;
}

Commitment read_commitment(Reader& r, const std::string& name, const Field& f,
                           std::map<std::string, Provider>& providers) {
  Commitment c;
  c.name = name;
  c.line = f.line;
  auto m = r.fields(f, {"usd", "period", "providers"}, "a commitment");
  if (!m) {
    return c;
  }
  if (const Field* v = m->get("usd")) {
    if (auto usd = r.decimal(*v, kUsdScale)) {
      if (*usd > 0) {
        c.nano_usd = *usd;
      } else {
        r.problem(*v, "must be more than 0 (the USD committed per period)");
      }
    }
  } else {
    r.problem(f.line, join(f.path, "usd"), "is required (the USD committed per period)");
  }
  if (const Field* v = m->get("period")) {
    if (auto s = r.string(*v)) {
      auto p = parse_budget_period(*s);
      if (p && *p != BudgetPeriod::Total) {
        c.period = *p;
      } else {
        r.problem(*v, "unknown period '" + *s + "' (expected day, week, month or year)");
      }
    }
  }
  if (const Field* v = m->get("providers")) {
    c.providers = read_committed_providers(r, *v, name, providers);
  } else {
    r.problem(f.line, join(f.path, "providers"), "is required (the providers whose spend counts toward it)");
  }
  return c;
}

}  // namespace

void read_commitments(Reader& r, const Field& section, std::map<std::string, Provider>& providers,
                      std::map<std::string, Commitment>& out) {
  auto all = r.entries(section);
  if (!all) {
    return;
  }
  for (auto& [name, f] : *all) {
    if (!valid_config_name(name)) {  // a /metrics label value
      r.problem(f, "commitment names must be non-empty, without spaces or control characters");
      continue;
    }
    out.emplace(name, read_commitment(r, name, f, providers));
  }
}

}  // namespace gw::config::detail
