#pragma once
// Who is calling: the virtual key a request authenticated with, and what it may do.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gw/config/schema.h"

namespace gw {

struct Principal {
  std::string key_id;    // stable id ("cfg:<name>" for config keys, a generated id otherwise)
  std::string key_name;  // the key's name, as the ledger and usage API show it
  std::vector<std::string> models;  // empty = all
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<config::Budget> budget;

  bool allows(const std::string& model) const;
};

}  // namespace gw
