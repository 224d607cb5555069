// Canonical stream events -> chat.completion.chunk SSE (protocols.md 1.6 and 3.7, Appendix B.2).
#include <algorithm>
#include <map>
#include <type_traits>
#include <variant>
#include <vector>

#include "gw/common/json_util.h"
#include "gw/common/sse.h"
#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

struct ToolState {
  size_t ordinal = 0;  // the OpenAI tool_calls index: position among tool blocks, not block index
  bool args_seen = false;
};

class ChatStreamEncoder final : public StreamEncoder {
 public:
  ChatStreamEncoder(const ChatRequest& req, int64_t created)
      : model_(req.model), include_usage_(req.include_usage), created_(created) {}

  void encode_to(const StreamEvent& ev, std::string& out) override {
    if (closed_) {
      return;  // nothing may follow [DONE] or an error event
    }
    std::visit([&](const auto& e) { on(e, out); }, ev);
  }

 private:
  void on(const MessageStart& e, std::string& out) {
    if (id_.empty()) {
      id_ = completion_id(e.id);
    }
    merge_usage(e.usage);
    ensure_started(out);
  }
  void on(const BlockStart& e, std::string& out) {
    ensure_started(out);
    if (e.type == BlockType::Text && e.refusal) {
      refusals_.push_back(e.index);
    }
    if (e.type != BlockType::ToolUse) {
      return;  // text needs no opening chunk; thinking is dropped
    }
    ToolState st{next_tool_++, false};
    tools_[e.index] = st;
    json::object fn{{"name", e.name}, {"arguments", ""}};
    json::object call{{"index", st.ordinal}, {"id", e.id}, {"type", "function"}, {"function", fn}};
    append_chunk(out, json::serialize(json::object{{"tool_calls", json::array{call}}}));
  }
  void on(const TextDelta& e, std::string& out) {
    ensure_started(out);
    if (!e.text.empty()) {
      // The hot path of every stream: written as text straight into `out`, no document.
      open_chunk(out);
      const bool refusal = std::find(refusals_.begin(), refusals_.end(), e.index) != refusals_.end();
      out += refusal ? "{\"refusal\":" : "{\"content\":";
      append_json_string(out, e.text);
      out.push_back('}');
      close_chunk(out, {});
    }
  }
  void on(const ToolArgsDelta& e, std::string& out) {
    ensure_started(out);
    auto it = tools_.find(e.index);
    if (it == tools_.end() || e.partial_json.empty()) {
      return;
    }
    it->second.args_seen = true;
    append_chunk(out, args_delta(it->second.ordinal, e.partial_json));
  }
  void on(const ThinkingDelta&, std::string&) {}
  void on(const BlockStop& e, std::string& out) {
    auto it = tools_.find(e.index);
    if (it != tools_.end() && !it->second.args_seen) {
      // A tool called with no arguments still needs a parseable arguments string.
      it->second.args_seen = true;
      append_chunk(out, args_delta(it->second.ordinal, "{}"));
    }
  }
  void on(const Finish& e, std::string& out) {
    if (finished_) {
      return;  // one finish_reason per choice: an upstream repeating its stop reason gets no second
    }
    ensure_started(out);
    finished_ = true;
    append_chunk(out, "{}", finish_reason_of(e.reason));
  }
  void on(const UsageUpdate& e, std::string&) { merge_usage(e.usage); }
  void on(const MessageStop&, std::string& out) {
    ensure_started(out);
    if (!finished_) {
      append_chunk(out, "{}", "stop");  // an OpenAI client expects a finish_reason
    }
    if (include_usage_) {
      std::string o = envelope_open();
      o += R"(,"choices":[],"usage":)";
      append_usage_json(o, usage_);
      o += "}";
      out += format_sse("", o);
    }
    out += format_sse("", "[DONE]");
    closed_ = true;
  }
  void on(const StreamError& e, std::string& out) {
    out += format_sse("", json::serialize(chat_error_object(e.error)));
    closed_ = true;
  }

  void ensure_started(std::string& out) {
    if (started_) {
      return;
    }
    started_ = true;
    if (id_.empty()) {
      id_ = completion_id("");
    }
    append_chunk(out, R"({"role":"assistant","content":""})");
  }

  void merge_usage(const Usage& u) {
    // Upstream figures are cumulative: keep the largest of each (as the UsageAccumulator does).
    usage_.input = std::max(usage_.input, u.input);
    usage_.output = std::max(usage_.output, u.output);
    usage_.cache_read = std::max(usage_.cache_read, u.cache_read);
    usage_.cache_write = std::max(usage_.cache_write, u.cache_write);
    usage_.reasoning = std::max(usage_.reasoning, u.reasoning);
  }

  // The chunk envelope (id, object, created, model) as JSON text without its closing brace: the
  // fields that follow are appended.
  std::string envelope_open() const {
    std::string env = json::serialize(json::object{{"id", id_},
                                                   {"object", "chat.completion.chunk"},
                                                   {"created", created_},
                                                   {"model", model_}});
    env.pop_back();
    return env;
  }

  static std::string args_delta(size_t ordinal, std::string_view args) {
    json::object call{{"index", ordinal}, {"function", json::object{{"arguments", args}}}};
    return json::serialize(json::object{{"tool_calls", json::array{call}}});
  }

  // One chunk event around `delta_json` (a serialized delta object): the envelope, then
  // choices[index, delta, logprobs, finish_reason], then usage.
  void append_chunk(std::string& out, std::string_view delta_json, std::string_view finish_reason = {}) {
    open_chunk(out);
    out += delta_json;
    close_chunk(out, finish_reason);
  }
  // "data: " and the envelope up to the delta; the envelope text is built once per stream.
  void open_chunk(std::string& out) {
    if (prefix_.empty()) {
      prefix_ = "data: " + envelope_open() + R"(,"choices":[{"index":0,"delta":)";
    }
    out += prefix_;
  }
  // What follows the delta: finish_reason (null when empty), usage, the event's end.
  void close_chunk(std::string& out, std::string_view finish_reason) const {
    out += R"(,"logprobs":null,"finish_reason":)";
    if (finish_reason.empty()) {
      out += "null";
    } else {
      append_json_string(out, finish_reason);
    }
    out += "}]";
    if (include_usage_) {
      out += R"(,"usage":null)";  // as OpenAI does; absent entirely when the client did not ask
    }
    out += "}\n\n";
  }

  std::string model_;
  bool include_usage_;
  int64_t created_;
  std::string id_;
  std::string prefix_;  // "data: " + envelope up to the delta; set on the first chunk (id_ is final)
  bool started_ = false;
  bool finished_ = false;
  bool closed_ = false;
  size_t next_tool_ = 0;
  std::map<size_t, ToolState> tools_;  // canonical block index -> tool state
  std::vector<size_t> refusals_;       // text blocks holding a refusal (rarely more than one)
  Usage usage_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_chat_stream_encoder(const ChatRequest& req, int64_t created) {
  return std::make_unique<ChatStreamEncoder>(req, created);
}

}  // namespace gw::openai
