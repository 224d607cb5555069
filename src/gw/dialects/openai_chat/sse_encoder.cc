// Canonical stream events -> chat.completion.chunk SSE (protocols.md 1.6 and 3.7, Appendix B.2).
#include <algorithm>
#include <map>
#include <type_traits>
#include <variant>

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
    out += chunk(json::object{{"tool_calls", json::array{call}}});
  }
  void on(const TextDelta& e, std::string& out) {
    ensure_started(out);
    if (!e.text.empty()) {
      out += chunk(json::object{{"content", e.text}});
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
    out += chunk(json::object{}, finish_reason_of(e.reason));
  }
  void on(const UsageUpdate& e, std::string&) { merge_usage(e.usage); }
  void on(const MessageStop&, std::string& out) {
    ensure_started(out);
    if (!finished_) {
      out += chunk(json::object{}, "stop");  // an OpenAI client expects a finish_reason
    }
    if (include_usage_) {
      json::object o = envelope();
      o["choices"] = json::array{};
      o["usage"] = usage_object(usage_);
      out += format_sse("", json::serialize(o));
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
    out += chunk(json::object{{"role", "assistant"}, {"content", ""}});
  }

  void merge_usage(const Usage& u) {
    // Upstream figures are cumulative: keep the largest of each (as the UsageAccumulator does).
    usage_.input = std::max(usage_.input, u.input);
    usage_.output = std::max(usage_.output, u.output);
    usage_.cache_read = std::max(usage_.cache_read, u.cache_read);
    usage_.cache_write = std::max(usage_.cache_write, u.cache_write);
    usage_.reasoning = std::max(usage_.reasoning, u.reasoning);
  }

  json::object envelope() const {
    return json::object{{"id", id_},
                        {"object", "chat.completion.chunk"},
                        {"created", created_},
                        {"model", model_}};
  }

  std::string args_chunk(size_t ordinal, std::string_view args) const {
    json::object call{{"index", ordinal}, {"function", json::object{{"arguments", args}}}};
    return chunk(json::object{{"tool_calls", json::array{call}}});
  }

  std::string chunk(json::object delta, std::string_view finish_reason = {}) const {
    json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
    choice["finish_reason"] =
        finish_reason.empty() ? json::value(nullptr) : json::value(finish_reason);
    json::object o = envelope();
    o["choices"] = json::array{std::move(choice)};
    if (include_usage_) {
      o["usage"] = nullptr;  // as OpenAI does; absent entirely when the client did not ask
    }
    return format_sse("", json::serialize(o));
  }

  std::string model_;
  bool include_usage_;
  int64_t created_;
  std::string id_;
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
