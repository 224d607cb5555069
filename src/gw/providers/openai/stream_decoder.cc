// chat.completion.chunk SSE -> canonical stream events (protocols.md 1.6, 6.1; tolerant of the
// compatible-server variations listed there). reasoning_content deltas are dropped, as in
// response.cc: they carry no signature and OpenAI clients do not expect them.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gw/common/sse.h"
#include "gw/providers/openai/openai_codec.h"
#include "gw/providers/openai/read_json.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

Error stream_error(std::string message) {
  Error e = make_error(Code::UpstreamError, std::move(message));
  e.retryable = true;  // if nothing reached the client yet, another deployment may do better
  return e;
}

// The latest tool call sent at one tool_calls index.
struct IndexedCall {
  size_t block = 0;  // canonical block index
  std::string id;    // the upstream's id for the call ("" when it sent none)
};

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
    if (finish_seen_) {
      // The answer is complete; only the [DONE] marker (and perhaps the usage chunk) is missing,
      // as some compatible servers end (protocols.md 1.6, 3.7 step 7). Usage then is counted.
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
    dom::object o;
    if (!parse_answer(data, o)) {
      fail(out, "upstream sent a stream chunk that is not a JSON object");
      return;
    }
    enum { kError, kChoices, kUsage, kId, kModel };
    const Fields<5> f(o, {"error", "choices", "usage", "id", "model"});
    if (f.non_null(kError)) {
      dom::object err;
      const bool is_obj = f.object(kError, err);
      std::string msg = is_obj ? std::string(str_field(err, "message")) : std::string();
      Error e = stream_error("upstream error mid-stream: " + (msg.empty() ? "unknown" : msg));
      if (is_obj) {
        e.upstream_type = std::string(str_field(err, "type"));
      }
      out.emplace_back(StreamError{std::move(e)});
      done_ = true;
      return;
    }
    dom::array choices;
    dom::object choice;
    const bool has_choice = f.array(kChoices, choices) && choices.at(0).get_object().get(choice) == simdjson::SUCCESS;
    dom::object usage;
    const bool has_usage = f.object(kUsage, usage);
    if (!has_choice && !has_usage) {
      return;  // Azure's prompt_filter_results chunk, keep-alive objects, ...
    }
    if (!started_) {
      MessageStart ms;
      ms.id = std::string(f.str(kId));
      ms.model = std::string(f.str(kModel));
      out.emplace_back(std::move(ms));
      started_ = true;
    }
    if (has_choice) {
      on_choice(choice, out);
    }
    if (has_usage) {
      usage_seen_ = true;
      out.emplace_back(UsageUpdate{usage_of(usage)});
    }
  }

  void ensure_started(std::vector<StreamEvent>& out) {
    if (!started_) {
      out.emplace_back(MessageStart{});
      started_ = true;
    }
  }

  void on_choice(const dom::object& choice, std::vector<StreamEvent>& out) {
    enum { kDelta, kFinish };
    const Fields<2> cf(choice, {"delta", "finish_reason"});
    if (dom::object d; cf.object(kDelta, d) && !finish_seen_) {
      enum { kContent, kRefusal, kToolCalls };
      const Fields<3> df(d, {"content", "refusal", "tool_calls"});
      // A refusal is text of its own block, marked, so that an OpenAI client gets it back as
      // delta.refusal (structured-output callers check it) while others read it as text.
      text_delta(df.str(kContent), false, out);
      text_delta(df.str(kRefusal), true, out);
      if (dom::array calls; df.array(kToolCalls, calls)) {
        size_t j = 0;
        for (dom::element cv : calls) {
          if (dom::object c; cv.get_object().get(c) == simdjson::SUCCESS) {
            on_tool_fragment(c, j, out);
          }
          ++j;
        }
      }
    }
    if (std::string_view fr; cf.string(kFinish, fr) && !finish_seen_) {
      close_blocks(out);
      out.emplace_back(Finish{stop_reason_of(fr), {}});
      finish_seen_ = true;
    }
  }

  void text_delta(std::string_view text, bool refusal, std::vector<StreamEvent>& out) {
    if (text.empty()) {
      return;
    }
    std::optional<size_t>& block = refusal ? refusal_index_ : text_index_;
    if (!block) {
      BlockStart start{next_index_, BlockType::Text, {}, {}, {}};
      start.refusal = refusal;
      block = open(out, std::move(start));
    }
    out.emplace_back(TextDelta{*block, std::string(text)});
  }

  // `index` is required by OpenAI. Servers that omit it send each call whole, so a fragment
  // without one continues the call with its id, or (with no id either) the last call at its place
  // in tool_calls; otherwise it opens a call. Calls with and without an index are kept apart, so
  // an index-less call can never merge into an indexed one. An indexed fragment that starts
  // another call (see starts_another_call) takes its index over from the earlier call.
  void on_tool_fragment(const dom::object& call, size_t position, std::vector<StreamEvent>& out) {
    const std::optional<int64_t> index = index_of(call);
    const std::string_view id = str_field(call, "id");
    dom::object f;
    const bool has_fn = object_field(call, "function", f);
    const std::string_view name = has_fn ? str_field(f, "name") : std::string_view();
    std::optional<size_t> block;
    if (index) {
      if (auto it = tools_.find(*index); it != tools_.end() && !starts_another_call(it->second, id, name)) {
        block = it->second.block;
      }
    } else if (!id.empty()) {
      if (auto it = unindexed_by_id_.find(id); it != unindexed_by_id_.end()) {
        block = it->second;
      }
    } else if (auto it = unindexed_at_.find(position); it != unindexed_at_.end()) {
      block = it->second;
    }
    if (!block) {
      std::string block_id(id);
      if (block_id.empty()) {
        block_id = "call_" + std::to_string(next_index_);  // some servers send none; clients need one
      }
      // Text before a tool call is finished: its block closes here (protocols.md 3.7 step 3), so
      // a client whose blocks cannot interleave (Anthropic) gets the call as it streams rather
      // than after the whole answer, and text after the call opens a block of its own.
      close_text_blocks(out);
      block = open(out, BlockStart{next_index_, BlockType::ToolUse, std::move(block_id), std::string(name), {}});
      if (index) {
        tools_.insert_or_assign(*index, IndexedCall{*block, std::string(id)});
      } else if (!id.empty()) {
        unindexed_by_id_.emplace(std::string(id), *block);
      }
    }
    if (!index) {
      unindexed_at_[position] = *block;
    }
    if (has_fn) {
      std::string args(str_field(f, "arguments"));
      if (!args.empty()) {
        out.emplace_back(ToolArgsDelta{*block, std::move(args)});
      }
    }
  }

  // Ollama and some vLLM builds send every call of a parallel batch whole at index 0: a fragment
  // at an index in use that names a function under an id other than that call's is a new call,
  // not more arguments for the old one. A repeated id, or no name, continues the call.
  static bool starts_another_call(const IndexedCall& current, std::string_view id, std::string_view name) {
    return !id.empty() && !name.empty() && !current.id.empty() && id != current.id;
  }

  // A tool call's `index`: an integer, or a float within int64 (1.0 is 1); absent otherwise.
  static std::optional<int64_t> index_of(const dom::object& call) {
    dom::element idx;
    if (call.at_key("index").get(idx) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    int64_t i = 0;
    double d = 0;
    if (idx.get_int64().get(i) == simdjson::SUCCESS) {
      return i;
    }
    if (idx.get_double().get(d) == simdjson::SUCCESS && d >= -9.2e18 && d <= 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return std::nullopt;
  }

  size_t open(std::vector<StreamEvent>& out, BlockStart bs) {
    const size_t index = next_index_++;
    bs.index = index;
    out.emplace_back(std::move(bs));
    open_.push_back(index);
    return index;
  }

  void close_text_blocks(std::vector<StreamEvent>& out) {
    for (std::optional<size_t>* text : {&text_index_, &refusal_index_}) {
      if (*text) {
        std::erase(open_, **text);
        out.emplace_back(BlockStop{**text});
        text->reset();
      }
    }
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
  std::optional<size_t> refusal_index_;
  std::map<int64_t, IndexedCall> tools_;  // OpenAI tool_calls index -> its latest call
  // Calls sent without an index: by id, and the last one at each place in tool_calls.
  std::map<std::string, size_t, std::less<>> unindexed_by_id_;
  std::map<size_t, size_t> unindexed_at_;
  std::vector<size_t> open_;         // open blocks, in the order they were opened
};

}  // namespace

std::unique_ptr<StreamDecoder> make_chat_stream_decoder() {
  return std::make_unique<ChatStreamDecoder>();
}

}  // namespace gw::openai
