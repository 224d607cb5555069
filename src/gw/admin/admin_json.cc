#include "gw/admin/admin_json.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "gw/config/decimal.h"
#include "gw/ledger/pricing.h"

namespace gw {

namespace {

constexpr int kNanoScale = 9;
constexpr std::string_view kFields[] = {"key", "model", "provider", "deployment"};

// A JSON integer (or an integral double, as some clients send 60.0) that is > 0.
Result<int64_t> positive_integer(const boost::json::value& v, std::string_view field) {
  if (v.is_int64() && v.as_int64() > 0) {
    return v.as_int64();
  }
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX) && v.as_uint64() > 0) {
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_double() && v.as_double() >= 1 && v.as_double() < 9e18 && std::floor(v.as_double()) == v.as_double()) {
    return static_cast<int64_t>(v.as_double());
  }
  return invalid_field(field, "must be a positive integer");
}

// USD -> nano-USD without float arithmetic on the amount: a double is first written as its
// shortest exact-round-trip decimal text ("0.05"), which is then read as fixed point.
Result<int64_t> usd_to_nano(const boost::json::value& v) {
  std::string text;
  if (v.is_string()) {
    text = std::string(v.as_string());
  } else if (v.is_int64() || v.is_uint64()) {
    text = boost::json::serialize(v);
  } else if (v.is_double() && std::isfinite(v.as_double())) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v.as_double(), std::chars_format::fixed);
    if (res.ec != std::errc{}) {
      return invalid_field("budget.usd", "is out of range");
    }
    text.assign(buf, res.ptr);
  } else {
    return invalid_field("budget.usd", "must be a number of USD");
  }
  std::string why;
  auto nano = config::parse_fixed_decimal(text, kNanoScale, &why);
  if (!nano) {
    return invalid_field("budget.usd", why.empty() ? "must be a non-negative decimal" : why);
  }
  return *nano;
}

Result<config::Budget> parse_budget(const boost::json::value& v) {
  if (!v.is_object()) {
    return invalid_field("budget", "must be an object {usd, period}");
  }
  config::Budget b;  // period defaults to month, as in the config file
  bool has_usd = false;
  for (const auto& [k, val] : v.as_object()) {
    if (k == "usd") {
      auto nano = usd_to_nano(val);
      if (!nano) {
        return nano.error();
      }
      b.nano_usd = *nano;
      has_usd = true;
    } else if (k == "period") {
      auto p = val.is_string() ? config::parse_budget_period(val.as_string()) : std::nullopt;
      if (!p) {
        return invalid_field("budget.period", "must be one of day, week, month, year, total");
      }
      b.period = *p;
    } else {
      return invalid_field("budget." + std::string(k), "is not a known field (usd, period)");
    }
  }
  if (!has_usd) {
    return invalid_field("budget.usd", "is required");
  }
  return b;
}

}  // namespace

void write_key_info(JsonText& j, const KeyInfo& k) {
  j.begin_object().key("id").string(k.id).key("name").string(k.name);
  j.key("models").begin_array();
  for (const auto& m : k.models) {
    j.string(m);
  }
  j.end_array();
  if (k.rpm) {
    j.key("rpm").number(*k.rpm);
  }
  if (k.tpm) {
    j.key("tpm").number(*k.tpm);
  }
  if (k.budget) {
    j.key("budget").begin_object().key("usd").raw_number(format_usd(k.budget->nano_usd));
    j.key("period").string(config::to_string(k.budget->period)).end_object();
  }
  if (!k.created_at.empty()) {
    j.key("created_at").string(k.created_at);
  }
  j.key("revoked").boolean(k.revoked).key("from_config").boolean(k.from_config).end_object();
}

std::string usage_rows_json(const std::vector<UsageRow>& rows, const std::vector<std::string>& group_by) {
  auto grouped = [&](std::string_view f) {
    return std::find(group_by.begin(), group_by.end(), f) != group_by.end();
  };
  JsonText j;
  j.begin_object().key("rows").begin_array();
  for (const auto& r : rows) {
    j.begin_object();
    if (grouped("key")) {
      j.key("key").string(r.key);
    }
    if (grouped("model")) {
      j.key("model").string(r.model);
    }
    if (grouped("provider")) {
      j.key("provider").string(r.provider);
    }
    if (grouped("deployment")) {
      j.key("deployment").string(r.deployment);
    }
    j.key("requests").number(r.requests);
    j.key("input_tokens").number(r.input_tokens);
    j.key("output_tokens").number(r.output_tokens);
    j.key("cache_read_tokens").number(r.cache_read_tokens);
    j.key("cache_write_tokens").number(r.cache_write_tokens);
    j.key("cost_usd").raw_number(format_usd(r.cost_nano_usd));
    j.end_object();
  }
  j.end_array().end_object();
  return j.str();
}

Result<KeySpec> parse_key_spec(std::string_view body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) {
    return make_error(Code::InvalidRequest, "the body must be a JSON object");
  }
  KeySpec spec;
  bool has_name = false;
  for (const auto& [k, v] : doc.as_object()) {
    if (v.is_null()) {
      continue;  // an explicit null means "not given"
    }
    if (k == "name") {
      if (!v.is_string()) {
        return invalid_field("name", "must be a string");
      }
      spec.name = std::string(v.as_string());  // whole: c_str() would end at a NUL byte
      has_name = true;
    } else if (k == "models") {
      if (!v.is_array()) {
        return invalid_field("models", "must be an array of model names");
      }
      for (const auto& m : v.as_array()) {
        if (!m.is_string()) {
          return invalid_field("models", "must be an array of model names");
        }
        spec.models.emplace_back(m.as_string());
      }
      if (spec.models.empty()) {
        // An empty list would read as "all models" (KeyInfo::models), the opposite of what it
        // looks like; the config file refuses it for the same reason.
        return invalid_field("models", "must name at least one model (omit it to allow every model)");
      }
    } else if (k == "rpm" || k == "tpm") {
      auto n = positive_integer(v, k);
      if (!n) {
        return n.error();
      }
      (k == "rpm" ? spec.rpm : spec.tpm) = *n;
    } else if (k == "budget") {
      auto b = parse_budget(v);
      if (!b) {
        return b.error();
      }
      spec.budget = *b;
    } else {
      return invalid_field(k, "is not a known field (name, models, rpm, tpm, budget)");
    }
  }
  if (!has_name || spec.name.empty()) {
    return invalid_field("name", "is required");
  }
  return spec;
}

Result<std::vector<std::string>> parse_group_by(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item.empty()) {
      continue;
    }
    if (std::find(std::begin(kFields), std::end(kFields), item) == std::end(kFields)) {
      return invalid_field("group_by", "unknown field '" + std::string(item) +
                                           "' (use key, model, provider, deployment)");
    }
    if (std::find(out.begin(), out.end(), item) == out.end()) {
      out.emplace_back(item);
    }
  }
  return out;
}

}  // namespace gw
