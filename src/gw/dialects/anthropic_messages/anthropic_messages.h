#pragma once
// The Anthropic Messages client dialect, POST /v1/messages (protocols.md 2 and 3).
// anthropic_messages_dialect() in dialect.h is the process-wide instance; the pieces below are
// exposed so tests and the fuzz target can drive them one at a time.
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "gw/canonical/chat.h"
#include "gw/common/result.h"
#include "gw/dialects/dialect.h"

namespace gw::anthropic {

// A Messages request body -> canonical. Errors are InvalidRequest naming the field
// ("messages[1].content[0].source"). max_tokens is required, as the Messages API requires it.
Result<ChatRequest> parse_messages_request(std::string_view body);

// A count_tokens body (POST /v1/messages/count_tokens, protocols.md 2.9) -> canonical: the Messages
// body without max_tokens, which is not required here (and ignored when sent); never a stream.
Result<ChatRequest> parse_count_tokens_request(std::string_view body);

// A canonical response -> a Message object; model is the name the client asked for.
std::string render_message(const ChatResponse& resp, const ChatRequest& req);

// Canonical events -> the full Messages SSE sequence with `event:` lines (protocols.md 2.7).
std::unique_ptr<StreamEncoder> make_messages_stream_encoder(const ChatRequest& req);

// {"type":"error","error":{type,message}} with the status an Anthropic client expects.
ClientReply render_messages_error(const Error& err);
boost::json::object messages_error_body(const Error& err);
// "invalid_request_error", "overloaded_error", ... for a client-facing status (protocols.md 2.8).
std::string_view messages_error_type(unsigned status);

// "end_turn", "max_tokens", ... (protocols.md 2.6); Unknown renders as end_turn.
std::string_view stop_reason_name(StopReason r);
// The stop reason an Anthropic client is told. An answer that called tools stopped for tool_use:
// OpenAI itself (for a named tool_choice), vLLM, Ollama and others finish such answers with
// "stop", which would read as end_turn and leave an agent loop waiting for nothing.
StopReason client_stop_reason(StopReason r, bool called_tools);
// Usage in the Messages shape. Cache counts are written when non-zero or when `all_fields`.
boost::json::object messages_usage(const Usage& u, bool all_fields);
// The "msg_" id an Anthropic client expects, built from an upstream id (random when empty).
std::string message_id(std::string_view upstream_id);


}  // namespace gw::anthropic
