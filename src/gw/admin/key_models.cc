// key_models.h: a created key's models against the config's.
#include "gw/admin/key_models.h"

namespace gw {

Result<void> check_key_models(const KeySpec& spec, const config::Config& cfg) {
  for (size_t i = 0; i < spec.models.size(); ++i) {
    if (cfg.models.count(spec.models[i]) > 0) {
      continue;
    }
    std::string known;
    for (const auto& [name, m] : cfg.models) {
      known += (known.empty() ? "" : ", ") + name;
    }
    return invalid_field("models[" + std::to_string(i) + "]",
                         "unknown model '" + spec.models[i] + "' (" +
                             (known.empty() ? "the config has no models" : "configured: " + known) +
                             ")");
  }
  return {};
}

}  // namespace gw
