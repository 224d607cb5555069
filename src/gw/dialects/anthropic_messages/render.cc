// Canonical response -> Anthropic Message object, and errors in the Anthropic shape
// (protocols.md 2.6, 2.8, 3.6, 3.8).
#include <string>

#include "gw/common/ids.h"
#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/dialects/anthropic_messages/tool_use_ids.h"

namespace gw::anthropic {

namespace json = boost::json;

namespace {

// Response block fields an Anthropic upstream sends that the canonical model does not hold.
// Other extras (an OpenAI decoder's raw_arguments, ...) mean nothing to an Anthropic client.
constexpr std::string_view kResponseExtras[] = {"citations"};

json::value render_block(const ContentBlock& b, ToolUseIds& ids) {
  json::object o;
  switch (b.type) {
    case BlockType::Text:
      o = {{"type", "text"}, {"text", b.text}};
      break;
    case BlockType::ToolUse:
      o = {{"type", "tool_use"},
           {"id", ids.next(b.id)},
           {"name", b.name},
           {"input", b.input.is_object() ? b.input : json::value(json::object{})}};
      break;
    case BlockType::Thinking:
      o = {{"type", "thinking"}, {"thinking", b.text}, {"signature", b.signature}};
      break;
    case BlockType::RedactedThinking:
      o = {{"type", "redacted_thinking"}, {"data", b.text}};
      break;
    default:
      return nullptr;  // a response never carries input-only blocks
  }
  for (std::string_view k : kResponseExtras) {
    if (const json::value* v = b.extra.if_contains(k)) {
      o[k] = *v;
    }
  }
  return o;
}

}  // namespace

std::string_view stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::EndTurn: return "end_turn";
    case StopReason::StopSequence: return "stop_sequence";
    case StopReason::MaxTokens: return "max_tokens";
    case StopReason::ToolUse: return "tool_use";
    case StopReason::Refusal: return "refusal";
    case StopReason::PauseTurn: return "pause_turn";
    case StopReason::Malformed:
    case StopReason::Unknown: break;
  }
  return "end_turn";
}

StopReason client_stop_reason(StopReason r, bool called_tools) {
  // Malformed is not upgraded: the upstream said the tool call is broken, not that it stopped for it.
  const bool natural = r == StopReason::EndTurn || r == StopReason::Unknown;
  return natural && called_tools ? StopReason::ToolUse : r;
}

json::object messages_usage(const Usage& u, bool all_fields) {
  json::object o{{"input_tokens", u.input}};
  if (all_fields || u.cache_write != 0) {
    o["cache_creation_input_tokens"] = u.cache_write;
  }
  if (all_fields || u.cache_read != 0) {
    o["cache_read_input_tokens"] = u.cache_read;
  }
  o["output_tokens"] = u.output;
  return o;
}

std::string message_id(std::string_view upstream_id) {
  if (upstream_id.empty()) {
    return "msg_" + random_id(12);
  }
  if (upstream_id.substr(0, 4) == "msg_") {
    return std::string(upstream_id);  // Anthropic, Bedrock (msg_bdrk_) and Vertex ids as they are
  }
  return "msg_" + std::string(upstream_id);
}

std::string render_message(const ChatResponse& resp, const ChatRequest& req) {
  json::array content;
  bool called_tools = false;
  ToolUseIds ids;
  for (const auto& b : resp.content) {
    called_tools = called_tools || b.type == BlockType::ToolUse;
    if (json::value v = render_block(b, ids); !v.is_null()) {
      content.push_back(std::move(v));
    }
  }
  const StopReason stop = client_stop_reason(resp.stop_reason, called_tools);
  json::object o{{"id", message_id(resp.id)},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", req.model},
                 {"content", std::move(content)},
                 {"stop_reason", stop_reason_name(stop)}};
  o["stop_sequence"] = stop == StopReason::StopSequence && !resp.stop_sequence.empty()
                           ? json::value(resp.stop_sequence)
                           : json::value(nullptr);
  o["usage"] = messages_usage(resp.usage, true);
  return json::serialize(o);
}

std::string_view messages_error_type(unsigned status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 402: return "billing_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 504: return "timeout_error";
    case 529: return "overloaded_error";
    default: break;
  }
  return status >= 500 ? "api_error" : "invalid_request_error";
}

json::object messages_error_body(const Error& err) {
  const unsigned status = err.http_status();
  std::string message = err.message.empty() ? std::string(err.code_name()) : err.message;
  return json::object{{"type", "error"},
                      {"error", json::object{{"type", messages_error_type(status)}, {"message", message}}}};
}

ClientReply render_messages_error(const Error& err) {
  ClientReply r;
  // An overloaded upstream reaches a client only once failover is exhausted, which contract.md
  // answers with 502/503/504 in every dialect: 503, not Anthropic's own 529. The body keeps
  // overloaded_error, so the cause still reads as Anthropic's.
  r.status = err.code == Code::UpstreamOverloaded ? 503 : err.http_status();
  r.headers.emplace_back("content-type", "application/json");
  r.body = json::serialize(messages_error_body(err));
  return r;
}

}  // namespace gw::anthropic
