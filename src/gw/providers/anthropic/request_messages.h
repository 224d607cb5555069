#pragma once
// Canonical messages -> Messages API `system` and `messages` (protocols.md 3.2). Internal.
#include <boost/json.hpp>

#include "gw/canonical/chat.h"
#include "gw/common/result.h"

namespace gw::anthropic {

// Sets body["system"] (when there is a system prompt) and body["messages"]. `same_dialect`: the
// client spoke Anthropic, so block and message extras and thinking blocks go back verbatim.
Result<void> encode_messages(const ChatRequest& req, bool same_dialect, boost::json::object& body);

// Tool ids as the Messages API accepts them (^[a-zA-Z0-9_-]+$): other characters become '_'
// ("functions.Bash:0" -> "functions_Bash_0"), the same id always maps to the same result, and two
// ids never collide.
class ToolIdMap {
 public:
  const std::string& map(const std::string& id);

 private:
  std::vector<std::pair<std::string, std::string>> ids_;  // original -> sanitized, in first-seen order
};

}  // namespace gw::anthropic
