#pragma once
// Parsing of one OpenAI message (roles, content parts, tool calls) into a canonical Message.
#include <boost/json.hpp>
#include <string>

#include "gw/canonical/chat.h"
#include "gw/common/result.h"

namespace gw::openai {

// `at` is the field path used in error messages, e.g. "messages[3]".
Result<Message> parse_message(const boost::json::value& v, const std::string& at);

// "data:<mime>;base64,<payload>" -> a Base64 source; nullopt when `url` is not such a URL.
std::optional<MediaSource> parse_data_url(std::string_view url);

}  // namespace gw::openai
