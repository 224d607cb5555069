#pragma once
// The models a created key may use must be models the config serves, as the config file's own
// keys: section requires: a typo would otherwise make a key that is refused every model it asks
// for, found only when a client first gets a 403.
#include "gw/auth/key_store.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw {

// InvalidRequest naming the first unknown name as models[i] (the field of POST /admin/keys).
Result<void> check_key_models(const KeySpec& spec, const config::Config& cfg);

}  // namespace gw
