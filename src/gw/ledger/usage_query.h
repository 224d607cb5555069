#pragma once
// What every ledger backend's usage() shares: the group_by fields it may group by (only these
// column names ever reach SQL text) and how a grouped value lands in a UsageRow.
#include <string>
#include <vector>

#include "gw/common/result.h"
#include "gw/ledger/ledger.h"

namespace gw {

struct UsageGrouping {
  std::vector<std::string> fields;   // distinct group_by names, in the caller's order
  std::vector<std::string> columns;  // the usage table's column for each field
};

// InvalidRequest (field group_by) for a name other than key, model, provider, deployment.
Result<UsageGrouping> usage_grouping(const std::vector<std::string>& group_by);

// Sets the member of `row` that `field` (one of UsageGrouping::fields) names.
void set_usage_field(UsageRow& row, const std::string& field, std::string value);

}  // namespace gw
