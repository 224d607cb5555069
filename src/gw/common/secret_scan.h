#pragma once
// Whether text from outside (an upstream's error message, a token endpoint's description) quotes
// a credential the gateway sent it. Servers that echo a request's headers back in their errors
// would otherwise put the gateway's own provider keys and tokens into client replies and logs.
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/http_types.h"

namespace gw {

// 16 consecutive bytes of any of `secrets` (long enough not to match by chance), or the whole of
// a shorter secret from 6 bytes on.
bool quotes_any(std::string_view text, const std::vector<std::string_view>& secrets);

// Replaces each of `paths` (files on the gateway's host that a credential is read from) wherever
// `text` names it with "[path withheld]", and says whether it did: where the gateway keeps its
// keys is for its operator's log, not for a client's error message. Paths shorter than 3 bytes
// are left alone (they would match by chance).
bool withhold_paths(std::string& text, const std::vector<std::string>& paths);

// The credentials a request to an upstream carries: the values of its authorization-like headers
// (Authorization, x-api-key, api-key, x-amz-security-token, ...) and a bearer token on its own.
std::vector<std::string> sent_credentials(const Headers& headers);

}  // namespace gw
