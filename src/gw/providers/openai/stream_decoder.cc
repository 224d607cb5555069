// chat.completion.chunk SSE -> canonical stream events (protocols.md 1.6, 6.1; tolerant of the
// compatible-server variations listed there). reasoning_content deltas are dropped, as in
// response.cc: they carry no signature and OpenAI clients do not expect them.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gw/common/json_util.h"
#include "gw/common/sse.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

Error stream_error(std::string message) {
  Error e = make_error(Code::UpstreamError, std::move(message));
  e.retryable = true;  // if nothing reached the client yet, another deployment may do better
  return e;
}

class ChatStreamDecoder final : public StreamDecoder {
 public:
  void feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    if (done_) {
      return;
    }
    events_.clear();
    if (!reader_.feed(bytes, events_)) {
      fail(out, "upstream stream is malformed (event too large)");
      return;
    }
    for (const auto& ev : events_) {
      on_data(ev.data, out);
      if (done_) {
        return;
      }
    }
  }

  void finish(std::vector<StreamEvent>& out) override {
    if (done_) {
      return;
    }
    if (reader_.has_partial()) {
      // Some servers end the last event without its blank line; take it rather than lose it.
      feed("\n\n", out);
      if (done_) {
        return;
      }
    }
    if (finish_seen_ && usage_seen_) {
      // Everything arrived but the [DONE] marker: the answer is complete.
      out.emplace_back(MessageStop{});
      done_ = true;
      return;
    }
    fail(out, "upstream stream ended early");
  }

 private:
  void fail(std::vector<StreamEvent>& out, std::string message) {
    out.emplace_back(StreamError{stream_error(std::move(message))});
    done_ = true;
  }

  void on_data(std::string_view data, std::vector<StreamEvent>& out) {
    if (data.substr(0, 6) == "[DONE]") {
      ensure_started(out);
      if (!finish_seen_) {
        close_blocks(out);
        out.emplace_back(Finish{StopReason::EndTurn, {}});
      }
      out.emplace_back(MessageStop{});
      done_ = true;
      return;
    }
    json::error_code ec;
    TransientJson scratch;  // only strings and numbers are copied out of `v`
    json::value v = scratch.parse(data, ec);
    if (ec || !v.is_object()) {
      fail(out, "upstream sent a stream chunk that is not a JSON object");
      return;
    }
    const auto& o = v.get_object();
    if (const json::value* err = o.if_contains("error"); err != nullptr && !err->is_null()) {
      std::string msg = err->is_object() ? str(err->get_object(), "message") : std::string();
      Error e = stream_error("upstream error mid-stream: " + (msg.empty() ? "unknown" : msg));
      if (err->is_object()) {
        e.upstream_type = str(err->get_object(), "type");
      }
      out.emplace_back(StreamError{std::move(e)});
      done_ = true;
      return;
    }
    const json::value* choices = o.if_contains("choices");
    const bool has_choice = choices != nullptr && choices->is_array() &&
                            !choices->get_array().empty() && choices->get_array()[0].is_object();
    const json::value* usage = o.if_contains("usage");
    const bool has_usage = usage != nullptr && usage->is_object();
    if (!has_choice && !has_usage) {
      return;  // Azure's prompt_filter_results chunk, keep-alive objects, ...
    }
    if (!started_) {
      MessageStart ms;
      ms.id = str(o, "id");
      ms.model = str(o, "model");
      out.emplace_back(std::move(ms));
      started_ = true;
    }
    if (has_choice) {
      on_choice(choices->get_array()[0].get_object(), out);
    }
    if (has_usage) {
      usage_seen_ = true;
      out.emplace_back(UsageUpdate{usage_of(usage->get_object())});
    }
  }

  void ensure_started(std::vector<StreamEvent>& out) {
    if (!started_) {
      out.emplace_back(MessageStart{});
      started_ = true;
    }
  }

  void on_choice(const json::object& choice, std::vector<StreamEvent>& out) {
    const json::value* delta = choice.if_contains("delta");
    if (delta != nullptr && delta->is_object() && !finish_seen_) {
      const auto& d = delta->get_object();
      std::string text = str(d, "content");
      if (text.empty()) {
        text = str(d, "refusal");
      }
      if (!text.empty()) {
        if (!text_index_) {
          text_index_ = open(out, BlockStart{next_index_, BlockType::Text, {}, {}, {}});
        }
        out.emplace_back(TextDelta{*text_index_, std::move(text)});
      }
      if (const json::value* calls = d.if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
        for (size_t j = 0; j < calls->get_array().size(); ++j) {
          if (calls->get_array()[j].is_object()) {
            on_tool_fragment(calls->get_array()[j].get_object(), j, out);
          }
        }
      }
    }
    const json::value* fr = choice.if_contains("finish_reason");
    if (fr != nullptr && fr->is_string() && !finish_seen_) {
      close_blocks(out);
      out.emplace_back(Finish{stop_reason_of(fr->get_string()), {}});
      finish_seen_ = true;
    }
  }

  void on_tool_fragment(const json::object& call, size_t position, std::vector<StreamEvent>& out) {
    // `index` is required by OpenAI; servers that omit it send each call whole, in order.
    int64_t key = static_cast<int64_t>(position);
    if (const json::value* idx = call.if_contains("index"); idx != nullptr && idx->is_number()) {
      json::error_code ec;
      key = idx->to_number<int64_t>(ec);
    }
    const json::value* fn = call.if_contains("function");
    const json::object* f = fn != nullptr && fn->is_object() ? &fn->get_object() : nullptr;
    auto it = tools_.find(key);
    if (it == tools_.end()) {
      std::string id = str(call, "id");
      if (id.empty()) {
        id = "call_" + std::to_string(next_index_);  // some servers send none; clients need one
      }
      size_t index = open(out, BlockStart{next_index_, BlockType::ToolUse, std::move(id),
                                          f != nullptr ? str(*f, "name") : std::string(), {}});
      it = tools_.emplace(key, index).first;
    }
    if (f != nullptr) {
      std::string args = str(*f, "arguments");
      if (!args.empty()) {
        out.emplace_back(ToolArgsDelta{it->second, std::move(args)});
      }
    }
  }

  size_t open(std::vector<StreamEvent>& out, BlockStart bs) {
    const size_t index = next_index_++;
    bs.index = index;
    out.emplace_back(std::move(bs));
    open_.push_back(index);
    return index;
  }

  void close_blocks(std::vector<StreamEvent>& out) {
    for (size_t index : open_) {
      out.emplace_back(BlockStop{index});
    }
    open_.clear();
  }

  SseReader reader_;
  std::vector<SseEvent> events_;
  bool started_ = false;
  bool finish_seen_ = false;
  bool usage_seen_ = false;
  bool done_ = false;
  size_t next_index_ = 0;
  std::optional<size_t> text_index_;
  std::map<int64_t, size_t> tools_;  // OpenAI tool_calls index -> canonical block index
  std::vector<size_t> open_;         // open blocks, in the order they were opened
};

}  // namespace

std::unique_ptr<StreamDecoder> make_chat_stream_decoder() {
  return std::make_unique<ChatStreamDecoder>();
}

}  // namespace gw::openai
