// Canonical stream events -> chat.completion.chunk SSE (protocols.md 1.6 and 3.7, Appendix B.2).
#include <algorithm>
#include <map>
#include <type_traits>
#include <variant>

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

  std::string encode(const StreamEvent& ev) override {
    if (closed_) {
      return {};  // nothing may follow [DONE] or an error event
    }
    std::string out;
    std::visit([&](const auto& e) { on(e, out); }, ev);
    return out;
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
    if (e.type != BlockType::ToolUse) {
      return;  // text needs no opening chunk; thinking is dropped
    }
    ToolState st{next_tool_++, false};
    tools_[e.index] = st;
    json::object fn{{"name", e.name}, {"arguments", ""}};
    json::object call{{"index", st.ordinal}, {"id", e.id}, {"type", "function"}, {"function", fn}};
    out += chunk(json::serialize(json::object{{"tool_calls", json::array{call}}}));
  }
  void on(const TextDelta& e, std::string& out) {
    ensure_started(out);
    if (!e.text.empty()) {
      // The hot path of every stream: written as text, no document.
      std::string delta = "{\"content\":";
      append_json_string(delta, e.text);
      delta.push_back('}');
      out += chunk(delta);
    }
  }
  void on(const ToolArgsDelta& e, std::string& out) {
    ensure_started(out);
    auto it = tools_.find(e.index);
    if (it == tools_.end() || e.partial_json.empty()) {
      return;
    }
    it->second.args_seen = true;
    out += args_chunk(it->second.ordinal, e.partial_json);
  }
  void on(const ThinkingDelta&, std::string&) {}
  void on(const BlockStop& e, std::string& out) {
    auto it = tools_.find(e.index);
    if (it != tools_.end() && !it->second.args_seen) {
      // A tool called with no arguments still needs a parseable arguments string.
      it->second.args_seen = true;
      out += args_chunk(it->second.ordinal, "{}");
    }
  }
  void on(const Finish& e, std::string& out) {
    ensure_started(out);
    finished_ = true;
    out += chunk("{}", finish_reason_of(e.reason));
  }
  void on(const UsageUpdate& e, std::string&) { merge_usage(e.usage); }
  void on(const MessageStop&, std::string& out) {
    ensure_started(out);
    if (!finished_) {
      out += chunk("{}", "stop");  // an OpenAI client expects a finish_reason
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
    out += chunk(R"({"role":"assistant","content":""})");
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

  std::string args_chunk(size_t ordinal, std::string_view args) {
    json::object call{{"index", ordinal}, {"function", json::object{{"arguments", args}}}};
    return chunk(json::serialize(json::object{{"tool_calls", json::array{call}}}));
  }

  // One chunk event around `delta_json` (a serialized delta object): the envelope, then
  // choices[index, delta, logprobs, finish_reason], then usage. The envelope text is built once
  // per stream.
  std::string chunk(std::string_view delta_json, std::string_view finish_reason = {}) {
    if (prefix_.empty()) {
      prefix_ = "data: " + envelope_open() + R"(,"choices":[{"index":0,"delta":)";
    }
    std::string out;
    out.reserve(prefix_.size() + delta_json.size() + 96);
    out += prefix_;
    out += delta_json;
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
    return out;
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
  Usage usage_;
};

}  // namespace

std::unique_ptr<StreamEncoder> make_chat_stream_encoder(const ChatRequest& req, int64_t created) {
  return std::make_unique<ChatStreamEncoder>(req, created);
}

}  // namespace gw::openai
