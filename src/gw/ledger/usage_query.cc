#include "gw/ledger/usage_query.h"

#include <algorithm>

namespace gw {

namespace {

const char* column_for(const std::string& field) {
  if (field == "key") {
    return "key_name";
  }
  if (field == "model") {
    return "model";
  }
  if (field == "provider") {
    return "provider";
  }
  if (field == "deployment") {
    return "deployment";
  }
  return nullptr;
}

}  // namespace

Result<UsageGrouping> usage_grouping(const std::vector<std::string>& group_by) {
  UsageGrouping g;
  for (const auto& f : group_by) {
    const char* col = column_for(f);
    if (col == nullptr) {
      return invalid_field("group_by", "unknown field '" + f + "' (use key, model, provider, deployment)");
    }
    if (std::find(g.fields.begin(), g.fields.end(), f) != g.fields.end()) {
      continue;
    }
    g.fields.push_back(f);
    g.columns.emplace_back(col);
  }
  return g;
}

void set_usage_field(UsageRow& row, const std::string& field, std::string value) {
  if (field == "key") {
    row.key = std::move(value);
  } else if (field == "model") {
    row.model = std::move(value);
  } else if (field == "provider") {
    row.provider = std::move(value);
  } else {
    row.deployment = std::move(value);
  }
}

}  // namespace gw
