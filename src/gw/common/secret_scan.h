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

// The credentials a request to an upstream carries: the values of its authorization-like headers
// (Authorization, x-api-key, api-key, x-amz-security-token, ...) and a bearer token on its own.
std::vector<std::string> sent_credentials(const Headers& headers);

}  // namespace gw
