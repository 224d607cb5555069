#pragma once
// Rules about canonical tools that every codec must agree on.
#include "gw/canonical/chat.h"

namespace gw {

// Server tools (Anthropic's web_search_..., code_execution_..., bash_...) keep their wire `type`
// in Tool::extra["type"]; custom tools have none (or "custom"). Only Anthropic-family upstreams
// can run them, so every other encoder refuses such a tool with a 400 naming tools[i].
bool is_server_tool(const Tool& t);

}  // namespace gw
