// keys: static virtual keys declared in the file (more come from the admin API and the CLI).
// The secret is never repeated in a problem: duplicates are reported by position, not value.
#include "gw/common/utf8.h"
#include "gw/config/yaml_reader.h"

namespace gw::config::detail {

namespace {

// Budgets are held in nano-USD: nine decimal places.
constexpr int kBudgetScale = 9;

std::optional<Budget> read_budget(Reader& r, const Field& f) {
  auto m = r.fields(f, {"usd", "period"}, "a budget");
  if (!m) {
    return std::nullopt;
  }
  Budget b;
  bool ok = true;
  if (const Field* v = m->get("usd")) {
    auto usd = r.decimal(*v, kBudgetScale);
    ok = usd.has_value();
    b.nano_usd = usd.value_or(0);
  } else {
    r.problem(f.line, join(f.path, "usd"), "is required (the budget in USD)");
    ok = false;
  }
  if (const Field* v = m->get("period")) {
    if (auto s = r.string(*v)) {
      if (auto p = parse_budget_period(*s)) {
        b.period = *p;
      } else {
        r.problem(*v, "unknown period '" + *s + "' (expected day, week, month, year or total)");
      }
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return b;
}

std::vector<std::string> read_allowed_models(Reader& r, const Field& f, const Config& cfg) {
  std::vector<std::string> out;
  auto items = r.sequence(f);
  if (!items) {
    return out;
  }
  if (items->empty()) {
    // An empty list would read as "all models", the opposite of what it looks like.
    r.problem(f, "must name at least one model (omit it to allow every model)");
    return out;
  }
  for (const Field& item : *items) {
    auto s = r.string(item);
    if (!s) {
      continue;
    }
    if (cfg.models.count(*s) == 0) {
      r.problem(item, "unknown model '" + *s + "'");
      continue;
    }
    out.push_back(*s);
  }
  return out;
}

}  // namespace

void read_keys(Reader& r, const Field& section, const Config& cfg, std::vector<StaticKey>& out) {
  auto items = r.sequence(section);
  if (!items) {
    return;
  }
  std::map<std::string, std::string> names;    // name -> where first declared
  std::map<std::string, std::string> secrets;  // secret -> where first declared
  for (const Field& f : *items) {
    StaticKey k;
    k.line = f.line;
    auto m = r.fields(f, {"name", "key", "models", "rpm", "tpm", "budget"}, "a key");
    if (!m) {
      continue;
    }
    std::string where = f.path + " (line " + std::to_string(f.line) + ")";
    if (auto s = r.required_string(*m, f, "name")) {
      if (auto [it, fresh] = names.emplace(*s, where); !fresh) {
        r.problem(*m->get("name"), "duplicate key name '" + *s + "', first used by " + it->second);
      }
      if (!printable_utf8(*s)) {  // copied into every usage record
        r.problem(*m->get("name"), "key names must be valid UTF-8 without control characters");
      }
      k.name = *s;
    }
    if (auto s = r.required_string(*m, f, "key", /*secret=*/true)) {
      if (auto [it, fresh] = secrets.emplace(*s, where); !fresh) {
        r.problem(*m->get("key"), "is the same secret as " + it->second);
      } else if (*s == cfg.master_key) {
        r.problem(*m->get("key"), "must differ from master_key");
      }
      k.key = *s;
    }
    if (const Field* v = m->get("models")) {
      k.models = read_allowed_models(r, *v, cfg);
    }
    constexpr int64_t kMax = int64_t{1} << 40;
    if (const Field* v = m->get("rpm")) {
      k.rpm = r.integer(*v, 1, kMax);
    }
    if (const Field* v = m->get("tpm")) {
      k.tpm = r.integer(*v, 1, kMax);
    }
    if (const Field* v = m->get("budget")) {
      k.budget = read_budget(r, *v);
    }
    out.push_back(std::move(k));
  }
}

}  // namespace gw::config::detail
