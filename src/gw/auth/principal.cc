#include "gw/auth/principal.h"

#include <algorithm>

namespace gw {

bool Principal::allows(const std::string& model) const {
  return models.empty() || std::find(models.begin(), models.end(), model) != models.end();
}

}  // namespace gw
