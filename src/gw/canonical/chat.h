#pragma once
// The canonical request/response model every dialect and provider translates to and from.
// Plain values, no I/O. Shaped like Anthropic's Messages API (the richest of the formats), with
// system/developer turns kept in place so OpenAI -> OpenAI is lossless.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gw/canonical/usage.h"

namespace gw {

enum class Dialect { OpenAIChat, AnthropicMessages };

enum class Role { System, Developer, User, Assistant };

enum class BlockType { Text, Image, Document, ToolUse, ToolResult, Thinking, RedactedThinking };

struct MediaSource {
  enum class Kind { Base64, Url } kind = Kind::Base64;
  std::string media_type;  // "image/png", "application/pdf"
  std::string data;        // base64 payload (Kind::Base64)
  std::string url;         // Kind::Url
};

struct ContentBlock {
  BlockType type = BlockType::Text;
  std::string text;                   // Text; Thinking's text; RedactedThinking's data
  MediaSource source;                 // Image, Document
  std::string id;                     // ToolUse: call id
  std::string name;                   // ToolUse: tool name
  boost::json::value input;           // ToolUse: arguments as JSON (object)
  std::string tool_use_id;            // ToolResult
  std::vector<ContentBlock> content;  // ToolResult: nested text/image blocks
  bool is_error = false;              // ToolResult
  std::string signature;              // Thinking
  boost::json::object extra;          // fields of the source dialect we keep (cache_control, ...)

  static ContentBlock make_text(std::string t) {
    ContentBlock b;
    b.type = BlockType::Text;
    b.text = std::move(t);
    return b;
  }
  static ContentBlock make_tool_use(std::string call_id, std::string tool, boost::json::value args) {
    ContentBlock b;
    b.type = BlockType::ToolUse;
    b.id = std::move(call_id);
    b.name = std::move(tool);
    b.input = std::move(args);
    return b;
  }
  // A tool result holding one text block.
  static ContentBlock make_tool_result(std::string call_id, std::string t, bool error = false) {
    ContentBlock b;
    b.type = BlockType::ToolResult;
    b.tool_use_id = std::move(call_id);
    b.content.push_back(make_text(std::move(t)));
    b.is_error = error;
    return b;
  }
};

struct Message {
  Role role = Role::User;
  std::vector<ContentBlock> content;
  // An OpenAI message whose content was a plain string (rendered back as a string when possible).
  bool content_was_string = false;
  boost::json::object extra;  // source-dialect message fields we do not model (e.g. "name")
};

struct Tool {
  std::string name;
  std::string description;
  boost::json::value input_schema;  // JSON Schema object
  boost::json::object extra;        // e.g. strict, cache_control
};

struct ToolChoice {
  enum class Kind { Unset, Auto, Any, None, Tool } kind = Kind::Unset;
  std::string name;  // Kind::Tool
  bool disable_parallel = false;
};

struct SamplingParams {
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::vector<std::string> stop;
  std::optional<std::string> user;  // OpenAI user / Anthropic metadata.user_id
  std::optional<bool> parallel_tool_calls;
  boost::json::value thinking;       // Anthropic "thinking" object, null when absent
  boost::json::value response_format;  // OpenAI response_format, null when absent
};

struct ChatRequest {
  Dialect source = Dialect::OpenAIChat;  // the dialect the client spoke
  std::string model;                     // the name the client asked for
  std::vector<Message> messages;         // System/Developer turns included, in order
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  SamplingParams params;
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage as the client asked
  // Top-level fields of the source dialect that the canonical model does not hold. Re-emitted
  // only to a provider of the same wire family (same-dialect pass-through keeps unknown fields).
  boost::json::object passthrough;
  std::string anthropic_version;  // client's anthropic-version header, if any
  std::string anthropic_beta;     // client's anthropic-beta header, if any
};

// Malformed: the upstream ended the turn and flagged its own output as broken (Bedrock Converse's
// malformed_tool_use / malformed_model_output). Clients are told end_turn / stop (protocols.md
// 3.4), never tool_use: a tool call the model itself flagged is not one to run.
enum class StopReason { EndTurn, StopSequence, MaxTokens, ToolUse, Refusal, PauseTurn, Malformed, Unknown };

struct ChatResponse {
  std::string id;
  std::string model;  // as the upstream reported it
  std::vector<ContentBlock> content;
  StopReason stop_reason = StopReason::EndTurn;
  std::string stop_sequence;  // the matched sequence for StopReason::StopSequence
  Usage usage;
};

std::string_view to_string(Role r);
std::string_view to_string(BlockType t);

}  // namespace gw
