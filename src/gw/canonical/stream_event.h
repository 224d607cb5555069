#pragma once
// Canonical stream events, produced by provider stream decoders and consumed by dialect stream
// encoders and by the UsageAccumulator. Blocks are indexed in response-content order; an
// OpenAI-family upstream may interleave deltas of several tool blocks, so encoders whose wire
// cannot interleave (Anthropic) buffer until the open block closes.
#include <string>
#include <variant>

#include "gw/canonical/chat.h"
#include "gw/common/error.h"

namespace gw {

struct MessageStart {
  std::string id;
  std::string model;
  Usage usage;  // what is known at start (Anthropic reports input tokens here)
};
struct BlockStart {
  size_t index = 0;
  BlockType type = BlockType::Text;  // Text, ToolUse, Thinking, RedactedThinking
  std::string id;                    // ToolUse
  std::string name;                  // ToolUse
  std::string data;                  // RedactedThinking data
  // Text: the model's refusal rather than an answer (OpenAI's delta.refusal, message.refusal).
  // OpenAI clients get it back as refusal; dialects without the notion get it as text.
  bool refusal = false;
};
struct TextDelta {
  size_t index = 0;
  std::string text;
};
struct ToolArgsDelta {
  size_t index = 0;
  std::string partial_json;
};
struct ThinkingDelta {
  size_t index = 0;
  std::string thinking;
  std::string signature;  // a signature_delta when non-empty
};
struct BlockStop {
  size_t index = 0;
};
// The model finished generating: stop reason known, usage may still follow.
struct Finish {
  StopReason reason = StopReason::EndTurn;
  std::string stop_sequence;
};
// Usage as reported so far. Values are cumulative (Anthropic's message_delta and OpenAI's final
// chunk both are), so the accumulator keeps the maximum of each field.
struct UsageUpdate {
  Usage usage;
};
// The upstream's stream ended properly. Nothing follows.
struct MessageStop {};
// The stream failed after it started (in-stream error event, exception frame, broken body).
struct StreamError {
  Error error;
};

using StreamEvent = std::variant<MessageStart, BlockStart, TextDelta, ToolArgsDelta, ThinkingDelta,
                                 BlockStop, Finish, UsageUpdate, MessageStop, StreamError>;

}  // namespace gw
