#pragma once
// The tool_use ids an Anthropic client is given. Anthropic requires ids matching
// ^[a-zA-Z0-9_-]+$ and unique within a message (protocols.md 2.3, B.13): a client that sends the
// call back as a tool_result to a real Anthropic upstream gets a 400 otherwise. OpenAI-compatible
// servers send ids such as "functions.get_weather:0", none at all, or one id for several calls.
#include <set>
#include <string>
#include <string_view>

namespace gw::anthropic {

class ToolUseIds {
 public:
  // `upstream` with every other character made '_', a fresh "toolu_…" id when empty, and a
  // suffix ("_2", "_3", …) when this message already gave the result out. An id that was valid
  // and unique comes back unchanged.
  std::string next(std::string_view upstream);

 private:
  std::set<std::string, std::less<>> given_;
};

}  // namespace gw::anthropic
