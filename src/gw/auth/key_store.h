#pragma once
// Virtual keys: static ones from the config and created ones from the ledger database, side by
// side. Secrets are held only as SHA-256 hashes; a presented key is hashed and looked up.
// Thread-safe: every worker shares one store, so a revocation takes effect at once everywhere.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/auth/principal.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw {

struct KeySpec {  // what POST /admin/keys and `keys create` ask for
  std::string name;
  std::vector<std::string> models;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<config::Budget> budget;
};

struct KeyInfo {  // what listing shows: never the secret
  std::string id;
  std::string name;
  std::vector<std::string> models;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<config::Budget> budget;
  std::string created_at;  // RFC 3339
  bool revoked = false;
  bool from_config = false;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // The principal for a presented secret; Unauthenticated if unknown or revoked.
  virtual Result<Principal> authenticate(std::string_view secret) const = 0;
  // Creates a key; returns its info and the secret (shown once, never stored in clear).
  virtual Result<std::pair<KeyInfo, std::string>> create(const KeySpec& spec) = 0;
  virtual std::vector<KeyInfo> list() const = 0;
  virtual Result<void> revoke(const std::string& id) = 0;
};

}  // namespace gw
