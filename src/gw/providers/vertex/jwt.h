#pragma once
// RS256 JSON Web Tokens for Google's OAuth2 JWT-bearer flow (protocols.md 5.5): base64url without
// padding, RSASSA-PKCS1-v1_5 over SHA-256 with the service account's RSA key (OpenSSL EVP).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "gw/common/base64.h"
#include "gw/common/result.h"

namespace gw::vertex {

// RFC 4648 section 5 alphabet, no '=' padding (JWS compact serialization).
inline std::string base64url_encode(std::string_view bytes) { return base64_encode(bytes, Base64::Url); }
// Accepts input with or without padding; nullopt on any character outside the alphabet.
inline std::optional<std::string> base64url_decode(std::string_view text) { return base64_decode(text, Base64::Url); }

// An RSA private key parsed once from PEM. Copies share the same immutable key; signing with it
// from several threads is safe (OpenSSL 3 keys are read-only once loaded).
class RsaKey {
 public:
  RsaKey() = default;  // holds no key: signing fails
  // PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM. Encrypted keys are
  // refused rather than prompting for a passphrase on the terminal. The error message never
  // quotes the PEM.
  static Result<RsaKey> from_pem(std::string_view pem);
  // The raw RSASSA-PKCS1-v1_5 SHA-256 signature of `data`.
  Result<std::string> sign_sha256(std::string_view data) const;
  // Verifies a signature made by sign_sha256 (used by tests and by load-time self checks).
  bool verify_sha256(std::string_view data, std::string_view signature) const;
  bool has_key() const { return pkey_ != nullptr; }

 private:
  explicit RsaKey(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}
  std::shared_ptr<EVP_PKEY> pkey_;
};

struct JwtClaims {
  std::string iss;    // the service account's client_email
  std::string scope;  // space-separated OAuth scopes
  std::string aud;    // the token endpoint (token_uri)
  int64_t iat = 0;    // issued at, Unix seconds
  int64_t exp = 0;    // expiry, Unix seconds (Google accepts at most iat + 3600)
};

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr int64_t kAssertionLifetimeS = 3600;

// {"alg":"RS256","typ":"JWT","kid":"<kid>"} (kid omitted when empty), compact, in this order.
std::string jwt_header_json(std::string_view kid);
// {"iss":..,"scope":..,"aud":..,"iat":..,"exp":..}, compact, in this order.
std::string jwt_claims_json(const JwtClaims& claims);
// base64url(header) "." base64url(claims) "." base64url(RS256 signature). The JSON bytes are
// signed exactly as given, so a known vector reproduces byte for byte.
Result<std::string> sign_jwt(std::string_view header_json,
                             std::string_view claims_json,
                             const RsaKey& key);

}  // namespace gw::vertex
