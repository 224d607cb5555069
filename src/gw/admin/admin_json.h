#pragma once
// The JSON shapes of the admin API, shared by the HTTP handlers and `switchyard usage --json`.
#include <string>
#include <string_view>
#include <vector>

#include "gw/admin/json_text.h"
#include "gw/auth/key_store.h"
#include "gw/common/result.h"
#include "gw/ledger/ledger.h"

namespace gw {

// {"id","name","models":[...],"rpm"?,"tpm"?,"budget"?:{"usd","period"},"created_at","revoked","from_config"}
void write_key_info(JsonText& j, const KeyInfo& k);
// {"rows":[{<grouped fields only>,"requests","input_tokens","output_tokens","cache_read_tokens",
//           "cache_write_tokens","cost_usd"}]}; fields not in group_by are absent.
std::string usage_rows_json(const std::vector<UsageRow>& rows, const std::vector<std::string>& group_by);

// The body of POST /admin/keys: {name, models?, rpm?, tpm?, budget?: {usd, period?}}.
// budget.usd may be a JSON number or a decimal string; at most 9 decimals (nano-USD).
Result<KeySpec> parse_key_spec(std::string_view body);

// "key,model" -> {"key","model"}; InvalidRequest for a field other than key/model/provider/deployment.
Result<std::vector<std::string>> parse_group_by(std::string_view list);

}  // namespace gw
