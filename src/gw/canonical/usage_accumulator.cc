#include "gw/canonical/usage_accumulator.h"

#include <algorithm>
#include <type_traits>

namespace gw {

namespace {

uint64_t bytes_to_tokens(uint64_t bytes) { return (bytes + 3) / 4; }

uint64_t block_bytes(const ContentBlock& b) {
  uint64_t n = b.text.size() + b.name.size();
  if (!b.input.is_null()) {
    n += boost::json::serialize(b.input).size();
  }
  for (const auto& c : b.content) {
    n += block_bytes(c);
  }
  // Images and documents are billed by the upstream in ways we cannot reproduce; a flat guess.
  if (b.type == BlockType::Image || b.type == BlockType::Document) {
    n += 4 * 1000;
  }
  return n;
}

}  // namespace

void UsageAccumulator::merge(const Usage& u, bool final_report) {
  for (const uint64_t figure : {u.input, u.output, u.cache_read, u.cache_write, u.cache_write_1h, u.reasoning}) {
    if (figure > kMaxReportedTokens) {
      implausible_ = true;
      return;
    }
  }
  if (!u.empty() || final_report) {
    reported_ = true;
  }
  output_reported_ = output_reported_ || final_report;
  usage_.input = std::max(usage_.input, u.input);
  usage_.output = std::max(usage_.output, u.output);
  usage_.cache_read = std::max(usage_.cache_read, u.cache_read);
  usage_.cache_write = std::max(usage_.cache_write, u.cache_write);
  usage_.cache_write_1h = std::max(usage_.cache_write_1h, u.cache_write_1h);
  usage_.reasoning = std::max(usage_.reasoning, u.reasoning);
}

void UsageAccumulator::on_start(const Usage& u) {
  // message_start's output_tokens (Anthropic, Bedrock InvokeModel, Vertex) is a placeholder of 1
  // or 2 sent before any content, not a count: kept apart so that a stream cut before its final
  // usage still counts what it streamed rather than billing the placeholder.
  if (u.output > kMaxReportedTokens) {
    implausible_ = true;
    return;
  }
  Usage known = u;
  start_output_ = std::max(start_output_, known.output);
  known.output = 0;
  merge(known, false);
}

void UsageAccumulator::on_event(const StreamEvent& ev) {
  answered_ = true;
  std::visit(
      [this](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, MessageStart>) {
          on_start(e.usage);
        } else if constexpr (std::is_same_v<T, UsageUpdate>) {
          merge(e.usage, true);
        } else if constexpr (std::is_same_v<T, MessageStop>) {
          complete_ = true;
        } else if constexpr (std::is_same_v<T, TextDelta>) {
          output_bytes_ += e.text.size();
        } else if constexpr (std::is_same_v<T, ToolArgsDelta>) {
          output_bytes_ += e.partial_json.size();
        } else if constexpr (std::is_same_v<T, ThinkingDelta>) {
          output_bytes_ += e.thinking.size();
        } else if constexpr (std::is_same_v<T, BlockStart>) {
          output_bytes_ += e.name.size();
        }
      },
      ev);
}

void UsageAccumulator::on_response(const ChatResponse& resp) {
  answered_ = true;
  complete_ = true;
  for (const auto& b : resp.content) {
    output_bytes_ += block_bytes(b);
  }
  // A response without usage decodes to all zeros: only figures say it was reported.
  merge(resp.usage, !resp.usage.empty());
}

Usage UsageAccumulator::usage() const {
  if (!answered_) {
    // Every attempt was refused before answering (the record of a failed request): the estimate
    // is for answers cut short, and billing it would charge the key for the upstream's failure.
    return Usage{};
  }
  Usage u = usage_;
  if (!reported_) {
    u.input = estimated_input_;
  }
  // Output counted when the upstream never told us (e.g. the stream broke before message_delta);
  // message_start's placeholder only when nothing was streamed after it.
  if (u.output == 0 && !(output_reported_ && complete_)) {
    u.output = std::max(start_output_, bytes_to_tokens(output_bytes_));
  }
  return u;
}

bool UsageAccumulator::counted() const {
  return !reported_ || (usage_.output == 0 && usage().output > 0);
}

uint64_t estimate_input_tokens(const ChatRequest& req) {
  uint64_t bytes = 0;
  for (const auto& m : req.messages) {
    for (const auto& b : m.content) {
      bytes += block_bytes(b);
    }
  }
  for (const auto& t : req.tools) {
    bytes += t.name.size() + t.description.size();
    if (!t.input_schema.is_null()) {
      bytes += boost::json::serialize(t.input_schema).size();
    }
  }
  return bytes_to_tokens(bytes);
}

}  // namespace gw
