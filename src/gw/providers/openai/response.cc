// chat.completion body -> canonical ChatResponse (protocols.md 1.5, 3.4-3.6).
#include <string>
#include <utility>

#include "gw/common/json_util.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

uint64_t u64(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return 0;
  }
  if (v->is_uint64()) {
    return v->get_uint64();
  }
  if (v->is_int64() && v->get_int64() > 0) {
    return static_cast<uint64_t>(v->get_int64());
  }
  return 0;
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

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

Usage usage_of(const json::object& usage) {
  Usage u;
  const uint64_t prompt = u64(usage, "prompt_tokens");
  if (const json::value* d = usage.if_contains("prompt_tokens_details"); d != nullptr && d->is_object()) {
    u.cache_read = u64(d->get_object(), "cached_tokens");
    u.cache_write = u64(d->get_object(), "cache_write_tokens");
  }
  // prompt_tokens includes the cached subset; canonical input does not (usage.h).
  const uint64_t cached = u.cache_read + u.cache_write;
  u.input = prompt > cached ? prompt - cached : 0;
  u.output = u64(usage, "completion_tokens");
  if (const json::value* d = usage.if_contains("completion_tokens_details"); d != nullptr && d->is_object()) {
    u.reasoning = u64(d->get_object(), "reasoning_tokens");
  }
  return u;
}

// reasoning_content (vLLM, DeepSeek) is dropped: it carries no signature, so it could not be
// sent back to an upstream that checks thinking blocks, and OpenAI clients do not expect it.
Result<ChatResponse> decode_chat_body(std::string_view body) {
  json::error_code ec;
  TransientJson scratch;  // only strings and numbers are copied out of `v`
  json::value v = scratch.parse(body, ec);
  if (ec || !v.is_object()) {
    return make_error(Code::UpstreamError, "upstream returned a body that is not a JSON object");
  }
  const auto& o = v.get_object();
  if (const json::value* err = o.if_contains("error"); err != nullptr && !err->is_null()) {
    return make_error(Code::UpstreamError, "upstream returned an error in a 2xx response");
  }
  const json::value* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object()) {
    return make_error(Code::UpstreamError, "upstream response has no choices");
  }
  const auto& choice = choices->get_array()[0].get_object();
  ChatResponse r;
  r.id = str(o, "id");
  r.model = str(o, "model");
  r.stop_reason = stop_reason_of(str(choice, "finish_reason"));
  const json::value* msg = choice.if_contains("message");
  if (msg != nullptr && msg->is_object()) {
    const auto& m = msg->get_object();
    std::string text;
    if (const json::value* c = m.if_contains("content"); c != nullptr && c->is_string()) {
      text = std::string(c->get_string());
    } else if (c != nullptr && c->is_array()) {
      for (const auto& part : c->get_array()) {
        if (part.is_object()) {
          text += str(part.get_object(), "text");
        }
      }
    }
    if (text.empty()) {
      text = str(m, "refusal");  // a refusal is what the model said instead of content
    }
    if (!text.empty()) {
      r.content.push_back(ContentBlock::make_text(std::move(text)));
    }
    const json::value* calls = m.if_contains("tool_calls");
    if (calls != nullptr && calls->is_array()) {
      for (const auto& cv : calls->get_array()) {
        if (!cv.is_object()) {
          continue;
        }
        const auto& c = cv.get_object();
        const json::value* fn = c.if_contains("function");
        if (fn == nullptr || !fn->is_object()) {
          continue;
        }
        ContentBlock b;
        b.type = BlockType::ToolUse;
        b.id = str(c, "id");
        b.name = str(fn->get_object(), "name");
        const std::string args = str(fn->get_object(), "arguments");
        b.input = json::object{};
        if (!args.empty()) {
          json::value parsed = json::parse(args, ec);
          if (!ec && parsed.is_object()) {
            b.input = std::move(parsed);
          } else {
            // Models do emit broken arguments; keep the text so an OpenAI client sees it as is.
            b.extra["raw_arguments"] = args;
          }
        }
        r.content.push_back(std::move(b));
      }
    }
  }
  if (const json::value* u = o.if_contains("usage"); u != nullptr && u->is_object()) {
    r.usage = usage_of(u->get_object());
  }
  return r;
}

}  // namespace gw::openai
