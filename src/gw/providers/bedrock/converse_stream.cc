// ConverseStream -> canonical events (protocols.md 4.4): text and reasoning blocks begin with
// their first delta, tool-use blocks with contentBlockStart; usage arrives in `metadata`, after
// messageStop.
#include "gw/providers/bedrock/converse_stream.h"

#include <string>

#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

std::string_view str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

const json::object* obj_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::optional<size_t> block_index(const json::object& o) {
  const json::value* v = o.if_contains("contentBlockIndex");
  if (v != nullptr && v->is_uint64()) {
    return static_cast<size_t>(v->get_uint64());
  }
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0) {
    return static_cast<size_t>(v->get_int64());
  }
  return std::nullopt;
}

}  // namespace

void ConverseStreamTranslator::ensure_started(std::vector<StreamEvent>& out) {
  if (!started_) {
    started_ = true;
    out.push_back(MessageStart{});  // Converse has no message id or model name to report
  }
}

void ConverseStreamTranslator::open(size_t index, BlockType type, std::vector<StreamEvent>& out) {
  if (open_.count(index) != 0) {
    return;
  }
  open_[index] = type;
  BlockStart bs;
  bs.index = index;
  bs.type = type;
  out.push_back(std::move(bs));
}

void ConverseStreamTranslator::on_event(std::string_view type, const json::object& p,
                                        std::vector<StreamEvent>& out) {
  if (finished_) {
    return;
  }
  if (type == "messageStart") {
    ensure_started(out);
    return;
  }
  if (type == "contentBlockStart") {
    ensure_started(out);
    const auto index = block_index(p);
    const json::object* start = obj_field(p, "start");
    const json::object* tu = start != nullptr ? obj_field(*start, "toolUse") : nullptr;
    if (!index || tu == nullptr || open_.count(*index) != 0) {
      return;  // only tool use announces itself; other starts carry nothing canonical
    }
    open_[*index] = BlockType::ToolUse;
    BlockStart bs;
    bs.index = *index;
    bs.type = BlockType::ToolUse;
    bs.id = std::string(str_field(*tu, "toolUseId"));
    bs.name = std::string(str_field(*tu, "name"));
    out.push_back(std::move(bs));
    return;
  }
  if (type == "contentBlockDelta") {
    ensure_started(out);
    const auto index = block_index(p);
    const json::object* delta = obj_field(p, "delta");
    if (!index || delta == nullptr) {
      return;
    }
    if (const json::value* t = delta->if_contains("text"); t != nullptr && t->is_string()) {
      open(*index, BlockType::Text, out);
      out.push_back(TextDelta{*index, std::string(t->get_string())});
    } else if (const json::object* tu = obj_field(*delta, "toolUse")) {
      open(*index, BlockType::ToolUse, out);
      out.push_back(ToolArgsDelta{*index, std::string(str_field(*tu, "input"))});
    } else if (const json::object* rc = obj_field(*delta, "reasoningContent")) {
      if (auto data = str_field(*rc, "redactedContent"); !data.empty()) {
        if (open_.count(*index) == 0) {
          open_[*index] = BlockType::RedactedThinking;
          BlockStart bs;
          bs.index = *index;
          bs.type = BlockType::RedactedThinking;
          bs.data = std::string(data);
          out.push_back(std::move(bs));
        }
        return;
      }
      open(*index, BlockType::Thinking, out);
      std::string text(str_field(*rc, "text"));
      std::string sig(str_field(*rc, "signature"));
      if (!text.empty() || !sig.empty()) {
        out.push_back(ThinkingDelta{*index, std::move(text), std::move(sig)});
      }
    }
    // citation deltas and later kinds have no canonical event.
    return;
  }
  if (type == "contentBlockStop") {
    const auto index = block_index(p);
    if (index && open_.erase(*index) != 0) {
      out.push_back(BlockStop{*index});
    }
    return;
  }
  if (type == "messageStop") {
    ensure_started(out);
    // A block Bedrock never closed is closed here, so encoders see a well-formed message.
    for (const auto& [index, t] : open_) {
      out.push_back(BlockStop{index});
    }
    open_.clear();
    Finish f;
    f.reason = converse_stop_reason(str_field(p, "stopReason"));
    if (const json::object* amrf = obj_field(p, "additionalModelResponseFields")) {
      f.stop_sequence = std::string(str_field(*amrf, "stop_sequence"));
    }
    out.push_back(std::move(f));
    stopped_ = true;
    return;
  }
  if (type == "metadata") {
    if (const json::object* u = obj_field(p, "usage")) {
      out.push_back(UsageUpdate{converse_usage(*u)});
    }
    if (stopped_) {
      finished_ = true;
      out.push_back(MessageStop{});
    }
    return;
  }
  // Unknown event types are ignored: AWS adds them over time.
}

void ConverseStreamTranslator::end_of_body(std::vector<StreamEvent>& out) {
  if (stopped_ && !finished_) {
    finished_ = true;
    out.push_back(MessageStop{});
  }
}

}  // namespace gw::bedrock
