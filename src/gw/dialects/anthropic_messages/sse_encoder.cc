// Canonical stream events -> Anthropic Messages SSE (protocols.md 2.7, 3.7, Appendix B.1).
// Anthropic blocks never interleave, but canonical ones may (an OpenAI upstream streams parallel
// tool calls side by side), so a block that starts while another is open waits in a queue with
// its deltas and is written out, in order, when its turn comes.
#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <variant>

#include "gw/common/sse.h"
#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/dialects/anthropic_messages/tool_use_ids.h"

namespace gw::anthropic {

namespace json = boost::json;

namespace {

struct QueuedBlock {
  size_t canonical = 0;
  json::object block;  // the content_block of its content_block_start
  std::vector<json::object> deltas;
  bool stopped = false;
};

json::object start_block(const BlockStart& e, ToolUseIds& ids) {
  switch (e.type) {
    case BlockType::ToolUse:
      return {{"type", "tool_use"}, {"id", ids.next(e.id)}, {"name", e.name}, {"input", json::object{}}};
    case BlockType::Thinking:
      return {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
    case BlockType::RedactedThinking:
      return {{"type", "redacted_thinking"}, {"data", e.data}};
    default:
      return {{"type", "text"}, {"text", ""}};
  }
}

class MessagesStreamEncoder final : public StreamEncoder {
 public:
  explicit MessagesStreamEncoder(const ChatRequest& req) : model_(req.model) {}

  void encode_to(const StreamEvent& ev, std::string& out) override {
    if (closed_) {
      return;  // nothing may follow message_stop or an error event
    }
    std::visit([&](const auto& e) { on(e, out); }, ev);
  }

 private:
  void on(const MessageStart& e, std::string& out) {
    merge_usage(e.usage);
    if (!started_) {
      start(e.id, out);
    }
  }
  void on(const BlockStart& e, std::string& out) {
    ensure_started(out);
    if (!seen_.insert(e.index).second) {
      return;  // a repeated start for a block we already have
    }
    called_tools_ = called_tools_ || e.type == BlockType::ToolUse;
    queue_.push_back(QueuedBlock{e.index, start_block(e, tool_ids_), {}, false});
    pump(out);
  }
  void on(const TextDelta& e, std::string& out) {
    if (!e.text.empty()) {
      route(e.index, BlockType::Text, json::object{{"type", "text_delta"}, {"text", e.text}}, out);
    }
  }
  void on(const ToolArgsDelta& e, std::string& out) {
    route(e.index, BlockType::ToolUse,
          json::object{{"type", "input_json_delta"}, {"partial_json", e.partial_json}}, out);
  }
  void on(const ThinkingDelta& e, std::string& out) {
    if (!e.thinking.empty()) {
      route(e.index, BlockType::Thinking,
            json::object{{"type", "thinking_delta"}, {"thinking", e.thinking}}, out);
    }
    if (!e.signature.empty()) {
      route(e.index, BlockType::Thinking,
            json::object{{"type", "signature_delta"}, {"signature", e.signature}}, out);
    }
  }
  void on(const BlockStop& e, std::string& out) {
    if (open_ && open_->canonical == e.index) {
      write_stop(out);
      pump(out);
      return;
    }
    for (auto& q : queue_) {
      if (q.canonical == e.index) {
        q.stopped = true;
      }
    }
  }
  void on(const Finish& e, std::string& out) {
    ensure_started(out);
    close_all(out);
    finish_ = e;
  }
  void on(const UsageUpdate& e, std::string&) { merge_usage(e.usage); }
  void on(const MessageStop&, std::string& out) {
    ensure_started(out);
    close_all(out);
    const Finish f = finish_.value_or(Finish{});
    const StopReason stop = client_stop_reason(f.reason, called_tools_);
    json::object delta{{"stop_reason", stop_reason_name(stop)}};
    delta["stop_sequence"] = stop == StopReason::StopSequence && !f.stop_sequence.empty()
                                 ? json::value(f.stop_sequence)
                                 : json::value(nullptr);
    write(out, json::object{{"type", "message_delta"},
                            {"delta", std::move(delta)},
                            {"usage", messages_usage(usage_, false)}});
    write(out, json::object{{"type", "message_stop"}});
    closed_ = true;
  }
  void on(const StreamError& e, std::string& out) {
    write(out, messages_error_body(e.error));
    closed_ = true;
  }

  void ensure_started(std::string& out) {
    if (!started_) {
      start("", out);
    }
  }
  void start(std::string_view upstream_id, std::string& out) {
    started_ = true;
    json::object message{{"id", message_id(upstream_id)},
                         {"type", "message"},
                         {"role", "assistant"},
                         {"model", model_},
                         {"content", json::array{}},
                         {"stop_reason", nullptr},
                         {"stop_sequence", nullptr},
                         {"usage", messages_usage(usage_, false)}};
    write(out, json::object{{"type", "message_start"}, {"message", std::move(message)}});
    write(out, json::object{{"type", "ping"}});
  }

  // A delta goes out at once for the open block, waits with its block when that is queued, and
  // opens an implicit block when the upstream never announced one (text and thinking only: a tool
  // block needs an id and a name).
  void route(size_t index, BlockType implicit, json::object delta, std::string& out) {
    ensure_started(out);
    if (open_ && open_->canonical == index) {
      write_delta(open_->anthropic, std::move(delta), out);
      return;
    }
    for (auto& q : queue_) {
      if (q.canonical == index) {
        q.deltas.push_back(std::move(delta));
        return;
      }
    }
    if (seen_.count(index) != 0 || implicit == BlockType::ToolUse) {
      return;  // a delta for a block already closed, or one we cannot name
    }
    on(BlockStart{index, implicit, {}, {}, {}}, out);
    route(index, implicit, std::move(delta), out);
  }

  // Opens queued blocks while none is open, writing what they buffered.
  void pump(std::string& out) {
    while (!open_ && !queue_.empty()) {
      QueuedBlock q = std::move(queue_.front());
      queue_.pop_front();
      const size_t idx = next_index_++;
      write(out, json::object{{"type", "content_block_start"}, {"index", idx}, {"content_block", std::move(q.block)}});
      open_ = Open{q.canonical, idx};
      for (auto& d : q.deltas) {
        write_delta(idx, std::move(d), out);
      }
      if (q.stopped) {
        write_stop(out);
      }
    }
  }

  void close_all(std::string& out) {
    for (auto& q : queue_) {
      q.stopped = true;
    }
    if (open_) {
      write_stop(out);
    }
    pump(out);
  }

  void write_delta(size_t idx, json::object delta, std::string& out) {
    write(out, json::object{{"type", "content_block_delta"}, {"index", idx}, {"delta", std::move(delta)}});
  }
  void write_stop(std::string& out) {
    write(out, json::object{{"type", "content_block_stop"}, {"index", open_->anthropic}});
    open_.reset();
  }
  static void write(std::string& out, const json::object& ev) {
    out += format_sse(ev.at("type").as_string(), json::serialize(ev));
  }

  void merge_usage(const Usage& u) {
    // Upstream figures are cumulative: keep the largest of each, as the UsageAccumulator does.
    usage_.input = std::max(usage_.input, u.input);
    usage_.output = std::max(usage_.output, u.output);
    usage_.cache_read = std::max(usage_.cache_read, u.cache_read);
    usage_.cache_write = std::max(usage_.cache_write, u.cache_write);
    usage_.reasoning = std::max(usage_.reasoning, u.reasoning);
  }

  struct Open {
    size_t canonical = 0;
    size_t anthropic = 0;
  };

  std::string model_;
  bool started_ = false;
  bool closed_ = false;
  ToolUseIds tool_ids_;
  bool called_tools_ = false;  // a tool_use block was started: the answer stops for tool_use
  size_t next_index_ = 0;
  std::optional<Open> open_;
  std::deque<QueuedBlock> queue_;
  std::set<size_t> seen_;  // canonical indices that have had a start
  std::optional<Finish> finish_;
  Usage usage_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_messages_stream_encoder(const ChatRequest& req) {
  return std::make_unique<MessagesStreamEncoder>(req);
}

}  // namespace gw::anthropic
