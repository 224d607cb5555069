#include "gw/canonical/chat.h"

namespace gw {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::System: return "system";
    case Role::Developer: return "developer";
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
  }
  return "user";
}

std::string_view to_string(BlockType t) {
  switch (t) {
    case BlockType::Text: return "text";
    case BlockType::Image: return "image";
    case BlockType::Document: return "document";
    case BlockType::ToolUse: return "tool_use";
    case BlockType::ToolResult: return "tool_result";
    case BlockType::Thinking: return "thinking";
    case BlockType::RedactedThinking: return "redacted_thinking";
  }
  return "text";
}

}  // namespace gw
