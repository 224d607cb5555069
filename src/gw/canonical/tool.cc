#include "gw/canonical/tool.h"

namespace gw {

bool is_server_tool(const Tool& t) {
  const boost::json::value* type = t.extra.if_contains("type");
  return type != nullptr && type->is_string() && type->get_string() != "custom";
}

}  // namespace gw
