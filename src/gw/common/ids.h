#pragma once
// Request ids: UUIDv7 (time-ordered, so ledger rows sort by time), and random secrets.
#include <string>

namespace gw {

std::string new_request_id();           // UUIDv7 text, 36 chars
std::string random_token(size_t bytes);  // lowercase hex of cryptographically random bytes
std::string random_id(size_t bytes);     // lowercase hex, unique but not for secrets (fast)
std::string sha256_hex(std::string_view data);

}  // namespace gw
