#include "gw/dialects/anthropic_messages/tool_use_ids.h"

#include "gw/common/ids.h"

namespace gw::anthropic {

namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string ToolUseIds::next(std::string_view upstream) {
  std::string id = upstream.empty() ? "toolu_" + random_id(12) : std::string(upstream);
  for (char& c : id) {
    if (!id_char(c)) {
      c = '_';
    }
  }
  if (given_.count(id) != 0) {
    const std::string base = id;
    for (size_t n = 2;; ++n) {
      id = base + "_" + std::to_string(n);
      if (given_.count(id) == 0) {
        break;
      }
    }
  }
  given_.insert(id);
  return id;
}

}  // namespace gw::anthropic
