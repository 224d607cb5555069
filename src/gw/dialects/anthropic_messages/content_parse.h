#pragma once
// Messages API content blocks, tools and tool_choice -> canonical (protocols.md 2.3, 2.4).
// Internal to the dialect; every error names the offending field.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "gw/canonical/chat.h"
#include "gw/common/result.h"

namespace gw::anthropic {

// `content` of a message: a string (one text block) or an array of blocks.
Result<std::vector<ContentBlock>> parse_content(const boost::json::value& v, const std::string& at,
                                                bool& was_string);
// One block at `at` ("messages[1].content[0]").
Result<ContentBlock> parse_block(const boost::json::value& v, const std::string& at);
Result<Tool> parse_tool(const boost::json::value& v, const std::string& at);
Result<ToolChoice> parse_tool_choice(const boost::json::value& v);

}  // namespace gw::anthropic
