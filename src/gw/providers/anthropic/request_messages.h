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
// ("functions.Bash:0" -> "functions_Bash_0"), and two ids never collide. The API also wants every
// tool_use id in a request to be unique, while some models number their calls per turn and reuse
// ids: a call (`call`) whose id an earlier call already used gets a fresh id, and results (`map`)
// name the latest call with their id.
class ToolIdMap {
 public:
  const std::string& call(const std::string& id);  // a tool_use block's id
  const std::string& map(const std::string& id);   // a tool_result block's tool_use_id

 private:
  struct Entry {
    std::string original;
    std::string sanitized;
    bool called = false;  // a tool_use has been given this sanitized id
  };
  Entry* latest(const std::string& id);
  Entry& add(const std::string& id);

  std::vector<Entry> ids_;  // in first-seen order
};

}  // namespace gw::anthropic
