#pragma once
// The OpenAI Chat Completions client dialect (protocols.md 1 and 3). openai_chat_dialect() in
// dialect.h is the process-wide instance; the pieces below are exposed so that tests and the fuzz
// target can drive them with a fixed clock.
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gw/canonical/chat.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/dialects/dialect.h"

namespace gw::openai {

// A request body -> canonical. Errors are InvalidRequest naming the field ("messages[2].content").
Result<ChatRequest> parse_chat_request(std::string_view body);

// A canonical response -> chat.completion JSON. `created` is Unix seconds.
std::string render_chat_response(const ChatResponse& resp, const ChatRequest& req, int64_t created);

// Canonical events -> chat.completion.chunk SSE bytes (protocols.md 3.7).
std::unique_ptr<StreamEncoder> make_chat_stream_encoder(const ChatRequest& req, int64_t created);

// {"error":{message,type,param,code}} and the status an OpenAI client expects.
ClientReply render_chat_error(const Error& err);
boost::json::object chat_error_object(const Error& err);

// "stop", "length", "tool_calls", "content_filter" (protocols.md 3.4).
std::string_view finish_reason_of(StopReason r);
// Canonical usage as an OpenAI "usage" object, appended as JSON text (prompt_tokens includes
// cached tokens, protocols.md 3.5). The chat.completion reply and the stream's usage chunk share it.
void append_usage_json(std::string& out, const Usage& u);
// The "chatcmpl-" id an OpenAI client expects, built from an upstream id.
std::string completion_id(std::string_view upstream_id);

// A dialect whose `created` timestamps come from `clock` (tests use a ManualClock).
std::unique_ptr<ClientDialect> make_openai_chat_dialect(const Clock& clock);

}  // namespace gw::openai
