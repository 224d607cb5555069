#pragma once
// Rules about canonical tools that every codec must agree on.
#include "gw/canonical/chat.h"

namespace gw {

// Server tools (Anthropic's web_search_..., code_execution_..., bash_...) keep their wire `type`
// in Tool::extra["type"]; custom tools have none (or "custom"). Only Anthropic-family upstreams
// can run them, so every other encoder refuses such a tool with a 400 naming tools[i].
bool is_server_tool(const Tool& t);

// A tool call's arguments as the OpenAI wire writes them. The text an OpenAI client or upstream
// wrote is kept in extra["raw_arguments"] and used as is (re-serializing would respell numbers and
// round those beyond a double's precision, and keeps a model's broken arguments visible); else the
// input serialized, "{}" when there is none. `raw_allowed` is false for a block from another
// dialect, whose extras mean nothing on the OpenAI wire.
std::string tool_arguments_text(const ContentBlock& b, bool raw_allowed = true);

}  // namespace gw
