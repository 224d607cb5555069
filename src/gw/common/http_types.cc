#include "gw/common/http_types.h"

#include <boost/algorithm/string/predicate.hpp>

#include <charconv>

namespace gw {

std::string_view find_header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h) {
    if (boost::algorithm::iequals(k, name)) {
      return v;
    }
  }
  return {};
}

std::optional<int64_t> header_int(const Headers& h, std::string_view name) {
  const std::string_view s = find_header(h, name);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> retry_after_seconds(const Headers& h) {
  if (auto ms = header_int(h, "retry-after-ms")) {
    return *ms / 1000 + (*ms % 1000 != 0);  // rounded up without overflowing near INT64_MAX
  }
  return header_int(h, "retry-after");
}

}  // namespace gw
