#pragma once
// The admin API (contract.md "HTTP API"), as a pure function of the request: the server checks
// the master key first, then hands the method, target and body here.
//
//   POST   /admin/keys        {name, models?, rpm?, tpm?, budget?: {usd, period?}} -> 201 {id, name, key, ...};
//                             a model the config does not serve -> 400 naming models[i]
//   GET    /admin/keys        -> 200 {"keys":[...]} (never a secret)
//   DELETE /admin/keys/{id}   -> 200 {"id", "revoked": true}; a config key -> 400; unknown -> 404
//   GET    /admin/usage?group_by=key,model,provider,deployment&since=RFC3339&until=RFC3339
//                             -> 200 {"rows":[...]}; since inclusive, until exclusive
//
// Errors: {"error":{"message","type","param"?}} with 400 (invalid_request_error), 404 (not_found_error),
// 405 (invalid_request_error, with allow) or 500 (api_error).
#include <string_view>

#include "gw/auth/key_store.h"
#include "gw/common/http_types.h"
#include "gw/config/schema.h"
#include "gw/ledger/ledger.h"

namespace gw {

// `cfg` is the loaded config: a created key may only name models it serves.
ClientReply handle_admin(std::string_view method, std::string_view target, std::string_view body,
                         const config::Config& cfg, KeyStore& keys, Ledger& ledger);

}  // namespace gw
