// models: the names clients ask for, each a routing strategy over deployments, i.e. (provider,
// upstream model id, price, capacity).
#include "gw/common/utf8.h"
#include "gw/config/yaml_reader.h"

namespace gw::config::detail {

namespace {

// Prices are USD per million tokens held as micro-USD per million tokens: six decimal places.
constexpr int kPriceScale = 6;

Price read_price(Reader& r, const Field& f) {
  Price p;
  auto m = r.fields(f, {"input", "output", "cache_read", "cache_write", "cache_write_1h"}, "a price");
  if (!m) {
    return p;
  }
  auto read = [&](std::string_view key, int64_t& out, bool required) {
    const Field* v = m->get(key);
    if (v == nullptr) {
      if (required) {
        r.problem(f.line, join(f.path, key), "is required (USD per million tokens; 0 if free)");
      }
      return;
    }
    if (auto d = r.decimal(*v, kPriceScale)) {
      out = *d;
    }
  };
  read("input", p.input, true);
  read("output", p.output, true);
  read("cache_read", p.cache_read, false);
  read("cache_write", p.cache_write, false);
  if (const Field* v = m->get("cache_write_1h")) {
    p.cache_write_1h = r.decimal(*v, kPriceScale);  // unset when invalid (the problem is reported)
  }
  return p;
}

std::string provider_names(const std::map<std::string, Provider>& providers) {
  if (providers.empty()) {
    return "none are configured";
  }
  std::string out = "configured: ";
  for (const auto& [name, p] : providers) {
    out += (out.size() > 12 ? ", " : "") + name;
  }
  return out;
}

Deployment read_deployment(Reader& r, const Field& f, size_t i,
                           const std::map<std::string, Provider>& providers) {
  Deployment d;
  d.line = f.line;
  d.priority = static_cast<int>(i);
  auto m = r.fields(f, {"provider", "model", "price", "rpm", "tpm", "weight", "priority",
                        "max_tokens"},
                    "a deployment");
  if (!m) {
    return d;
  }
  if (auto s = r.required_string(*m, f, "provider")) {
    if (providers.count(*s) == 0) {
      r.problem(*m->get("provider"),
                "unknown provider '" + *s + "' (" + provider_names(providers) + ")");
    }
    d.provider = *s;
  }
  if (auto s = r.required_string(*m, f, "model")) {
    if (!printable_utf8(*s)) {  // copied into every usage record
      r.problem(*m->get("model"), "deployment model ids must be valid UTF-8 without control characters");
    }
    d.model = *s;
  }
  if (const Field* p = m->get("price")) {
    d.price = read_price(r, *p);
    d.priced = true;
  }
  constexpr int64_t kCapacityMax = int64_t{1} << 40;
  if (const Field* v = m->get("rpm")) {
    d.rpm = r.integer(*v, 1, kCapacityMax);
  }
  if (const Field* v = m->get("tpm")) {
    d.tpm = r.integer(*v, 1, kCapacityMax);
  }
  if (const Field* v = m->get("weight")) {
    if (auto w = r.integer(*v, 0, 1'000'000)) {
      d.weight = static_cast<int>(*w);
    }
  }
  if (const Field* v = m->get("priority")) {
    if (auto p = r.integer(*v, 0, 1'000'000)) {
      d.priority = static_cast<int>(*p);
    }
  }
  if (const Field* v = m->get("max_tokens")) {
    d.max_tokens_default = r.integer(*v, 1, 100'000'000);
  }
  return d;
}

Model read_model(Reader& r, const std::string& name, const Field& f,
                 const std::map<std::string, Provider>& providers) {
  Model model;
  model.name = name;
  model.line = f.line;
  auto m = r.fields(f, {"route", "max_attempts", "deployments"}, "a model");
  if (!m) {
    return model;
  }
  if (const Field* v = m->get("route")) {
    if (auto s = r.string(*v)) {
      if (auto route = parse_route_strategy(*s)) {
        model.route = *route;
      } else {
        r.problem(*v, "unknown route '" + *s +
                          "' (expected priority, weighted, latency, least_busy, cost or commitment)");
      }
    }
  }
  if (const Field* v = m->get("max_attempts")) {
    if (auto n = r.integer(*v, 1, 100)) {
      model.max_attempts = static_cast<int>(*n);
    }
  }
  const Field* deps = m->get("deployments");
  if (deps == nullptr) {
    r.problem(f.line, join(f.path, "deployments"), "is required (a list of at least one deployment)");
    return model;
  }
  auto items = r.sequence(*deps);
  if (!items) {
    return model;
  }
  if (items->empty()) {
    r.problem(*deps, "must list at least one deployment");
    return model;
  }
  size_t before = r.problem_count();
  for (size_t i = 0; i < items->size(); ++i) {
    model.deployments.push_back(read_deployment(r, (*items)[i], i, providers));
  }
  if (model.route == RouteStrategy::Weighted && r.problem_count() == before) {
    bool any = false;
    for (const auto& d : model.deployments) {
      any = any || d.weight > 0;
    }
    if (!any) {
      r.problem(*deps, "route: weighted needs at least one deployment with weight > 0");
    }
  }
  if (model.route == RouteStrategy::Commitment && r.problem_count() == before) {
    // Without one it would silently be route: priority.
    bool any = false;
    for (const auto& d : model.deployments) {
      auto p = providers.find(d.provider);
      any = any || (p != providers.end() && !p->second.commitment.empty());
    }
    if (!any) {
      r.problem(*deps, "route: commitment needs a deployment on a provider listed under commitments:");
    }
  }
  return model;
}

}  // namespace

void read_models(Reader& r, const Field& section, const std::map<std::string, Provider>& providers,
                 std::map<std::string, Model>& out) {
  auto all = r.entries(section);
  if (!all) {
    return;
  }
  for (auto& [name, f] : *all) {
    if (!valid_config_name(name)) {
      r.problem(f, "model names must be non-empty, without spaces or control characters");
      continue;
    }
    // Kept even with problems, so keys naming it are not reported a second time.
    out.emplace(name, read_model(r, name, f, providers));
  }
}

}  // namespace gw::config::detail
