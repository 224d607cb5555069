// chat.completion body -> canonical ChatResponse (protocols.md 1.5, 3.4-3.6).
#include <string>
#include <utility>

#include "gw/providers/openai/openai_codec.h"
#include "gw/providers/openai/read_json.h"

namespace gw::openai {

namespace json = boost::json;

StopReason stop_reason_of(std::string_view finish_reason) {
  if (finish_reason == "length") {
    return StopReason::MaxTokens;
  }
  if (finish_reason == "tool_calls" || finish_reason == "function_call") {
    return StopReason::ToolUse;
  }
  if (finish_reason == "content_filter") {
    return StopReason::Refusal;
  }
  return StopReason::EndTurn;  // "stop", and the odd values compatible servers invent
}

// reasoning_content (vLLM, DeepSeek) is dropped: it carries no signature, so it could not be
// sent back to an upstream that checks thinking blocks, and OpenAI clients do not expect it.
Result<ChatResponse> decode_chat_body(std::string_view body) {
  dom::object o;
  if (!parse_answer(body, o)) {
    return make_error(Code::UpstreamError, "upstream returned a body that is not a JSON object");
  }
  if (has_non_null(o, "error")) {
    return make_error(Code::UpstreamError, "upstream returned an error in a 2xx response");
  }
  dom::array choices;
  dom::object choice;
  if (!array_field(o, "choices", choices) || choices.at(0).get_object().get(choice) != simdjson::SUCCESS) {
    return make_error(Code::UpstreamError, "upstream response has no choices");
  }
  ChatResponse r;
  r.id = std::string(str_field(o, "id"));
  r.model = std::string(str_field(o, "model"));
  r.stop_reason = stop_reason_of(str_field(choice, "finish_reason"));
  if (dom::object m; object_field(choice, "message", m)) {
    std::string text;
    std::string_view content;
    dom::array parts;
    if (m.at_key("content").get_string().get(content) == simdjson::SUCCESS) {
      text = std::string(content);
    } else if (array_field(m, "content", parts)) {
      for (dom::element part : parts) {
        if (dom::object po; part.get_object().get(po) == simdjson::SUCCESS) {
          text += str_field(po, "text");
        }
      }
    }
    if (!text.empty()) {
      r.content.push_back(ContentBlock::make_text(std::move(text)));
    } else if (std::string_view refusal = str_field(m, "refusal"); !refusal.empty()) {
      // What the model said instead of content: text to other dialects; marked, so that an
      // OpenAI client gets it back in message.refusal, where SDKs look for it.
      ContentBlock b = ContentBlock::make_text(std::string(refusal));
      b.extra["refusal"] = true;
      r.content.push_back(std::move(b));
    }
    if (dom::array calls; array_field(m, "tool_calls", calls)) {
      for (dom::element cv : calls) {
        dom::object c, fn;
        if (cv.get_object().get(c) != simdjson::SUCCESS || !object_field(c, "function", fn)) {
          continue;
        }
        ContentBlock b;
        b.type = BlockType::ToolUse;
        b.id = std::string(str_field(c, "id"));
        if (b.id.empty()) {
          // Some servers send none; a client needs one to answer the call (as the stream decoder).
          b.id = "call_" + std::to_string(r.content.size());
        }
        b.name = std::string(str_field(fn, "name"));
        const std::string args(str_field(fn, "arguments"));
        b.input = json::object{};
        if (!args.empty()) {
          json::error_code ec;
          json::value parsed = json::parse(args, ec);  // kept in the canonical block: a heap document
          if (!ec && parsed.is_object()) {
            b.input = std::move(parsed);
          }
          // The text as the model wrote it goes to an OpenAI client, as a stream's fragments do:
          // re-serializing would respell numbers and round those beyond a double's precision, and
          // models do emit broken arguments.
          b.extra["raw_arguments"] = args;
        }
        r.content.push_back(std::move(b));
      }
    }
  }
  if (dom::object u; object_field(o, "usage", u)) {
    r.usage = usage_of(u);
  }
  return r;
}

}  // namespace gw::openai
