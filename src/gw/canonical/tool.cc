#include "gw/canonical/tool.h"

namespace gw {

bool is_server_tool(const Tool& t) {
  const boost::json::value* type = t.extra.if_contains("type");
  return type != nullptr && type->is_string() && type->get_string() != "custom";
}

std::string tool_arguments_text(const ContentBlock& b, bool raw_allowed) {
  if (const boost::json::value* raw = b.extra.if_contains("raw_arguments");
      raw_allowed && raw != nullptr && raw->is_string()) {
    return std::string(raw->get_string());
  }
  return b.input.is_null() ? std::string("{}") : boost::json::serialize(b.input);
}

}  // namespace gw
