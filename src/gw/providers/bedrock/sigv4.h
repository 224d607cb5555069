#pragma once
// AWS Signature Version 4 for Bedrock Runtime (protocols.md 4.9), as pure functions of their
// inputs: time, credentials and request parts come in, every intermediate comes out, so the
// vectors in sigv4_bedrock.json can be checked step by step.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/common/clock.h"
#include "gw/common/http_types.h"

namespace gw::bedrock {

inline constexpr std::string_view kSigningService = "bedrock";  // not "bedrock-runtime"

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

struct SigningInput {
  std::string method = "POST";
  std::string host;  // host[:port], exactly as the Host header will carry it
  std::string path;  // as it will be sent, already percent-encoded ("/model/a%3A0/invoke")
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  Headers headers;   // headers to send; unsignable ones (user-agent, connection...) are skipped
  std::string_view body;
  std::string region;
  std::string service = std::string(kSigningService);
  SystemTime time;
};

struct Signature {
  std::string amz_date;      // 20240115T123456Z
  std::string date_stamp;    // 20240115
  std::string payload_hash;  // lowercase hex SHA-256 of the body
  std::string canonical_request;
  std::string canonical_request_hash;
  std::string credential_scope;
  std::string string_to_sign;
  std::string k_date, k_region, k_service, k_signing;  // raw HMAC bytes of the key chain
  std::string signed_headers;                          // "content-type;host;x-amz-date"
  std::string signature;                               // lowercase hex
  std::string authorization;
  // What the request must carry in addition to its own headers: host (when absent), x-amz-date,
  // x-amz-content-sha256, x-amz-security-token (session credentials) and authorization.
  Headers added_headers;
};

Signature sign_v4(const Credentials& creds, const SigningInput& in);

// RFC 3986 encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ kept, every other byte %XX (uppercase).
std::string uri_encode(std::string_view s);

// The canonical URI of a path as sent: '.'/'..'/empty segments normalized, then every segment
// encoded again (so an id sent as "v1%3A0" is signed as "v1%253A0").
std::string canonical_uri(std::string_view path);

std::string to_hex(std::string_view bytes);
std::string sha256_hex_of(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

// 20240115T123456Z for a point in time (UTC).
std::string amz_date_of(SystemTime t);

}  // namespace gw::bedrock
