#include "gw/admin/query_string.h"

#include "gw/common/percent.h"

namespace gw {

std::optional<Target> parse_target(std::string_view target) {
  Target t;
  const size_t q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  if (!path) {
    return std::nullopt;
  }
  t.path = std::move(*path);
  if (q == std::string_view::npos) {
    return t;
  }
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) {
      return std::nullopt;
    }
    t.query.emplace_back(std::move(*name), std::move(*value));
  }
  return t;
}

}  // namespace gw
