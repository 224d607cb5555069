#include "gw/common/http_types.h"

#include <boost/algorithm/string/predicate.hpp>

namespace gw {

std::string_view find_header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (boost::algorithm::iequals(k, name)) {
      return v;
    }
  }
  return {};
}

}  // namespace gw
