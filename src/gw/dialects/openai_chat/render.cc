// Canonical response and errors -> OpenAI chat.completion JSON (protocols.md 1.5, 1.7, 3.4-3.6, 3.8).
#include <string>

#include "gw/canonical/tool.h"
#include "gw/common/ids.h"
#include "gw/common/json_util.h"
#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

// A text block an OpenAI upstream sent as message.refusal (the provider marks it).
bool is_refusal(const ContentBlock& b) {
  const boost::json::value* r = b.extra.if_contains("refusal");
  return r != nullptr && r->is_bool() && r->get_bool();
}

std::string_view error_type_for(unsigned status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    default: break;
  }
  return status >= 500 ? "server_error" : "invalid_request_error";
}

json::value error_code_for(const Error& err) {
  switch (err.code) {
    case Code::Unauthenticated: return "invalid_api_key";
    case Code::ModelNotFound: return "model_not_found";
    case Code::BudgetExceeded: return "insufficient_quota";
    case Code::RateLimited: return "rate_limit_exceeded";
    default: break;
  }
  if (err.code == Code::UpstreamRejected && err.upstream_status == 404) {
    return "model_not_found";  // the upstream does not know the deployment's model (protocols.md 3.8)
  }
  if (err.code == Code::UpstreamRejected && !err.upstream_code.empty()) {
    return json::value(err.upstream_code);  // an OpenAI or Azure upstream's own code, as it sent it
  }
  return nullptr;
}

unsigned status_for(const Error& err) {
  // OpenAI clients know 503 for "overloaded"; 529 is Anthropic's own (protocols.md 3.8).
  return err.code == Code::UpstreamOverloaded ? 503 : err.http_status();
}

}  // namespace

std::string_view finish_reason_of(StopReason r) {
  switch (r) {
    case StopReason::MaxTokens: return "length";
    case StopReason::ToolUse: return "tool_calls";
    case StopReason::Refusal: return "content_filter";
    case StopReason::EndTurn:
    case StopReason::StopSequence:
    case StopReason::PauseTurn:
    case StopReason::Malformed:
    case StopReason::Unknown: break;
  }
  return "stop";
}

void append_usage_json(std::string& out, const Usage& u) {
  out += R"({"prompt_tokens":)";
  out += std::to_string(u.prompt_total());
  out += R"(,"completion_tokens":)";
  out += std::to_string(u.output);
  out += R"(,"total_tokens":)";
  out += std::to_string(u.total());
  out += R"(,"prompt_tokens_details":{"cached_tokens":)";
  out += std::to_string(u.cache_read);
  out += "}";
  if (u.reasoning > 0) {
    out += R"(,"completion_tokens_details":{"reasoning_tokens":)";
    out += std::to_string(u.reasoning);
    out += "}";
  }
  out += "}";
}

std::string completion_id(std::string_view upstream_id) {
  if (upstream_id.empty()) {
    return "chatcmpl-" + random_id(12);
  }
  if (upstream_id.substr(0, 9) == "chatcmpl-") {
    return std::string(upstream_id);
  }
  return "chatcmpl-" + std::string(upstream_id);
}

std::string render_chat_response(const ChatResponse& resp, const ChatRequest& req, int64_t created) {
  // Written as text (in the order a chat.completion DOM would serialize in): this runs for every
  // non-streamed answer. Tool calls, rare, still go through a document.
  std::string text;
  bool has_text = false;
  std::string refusal;
  bool has_refusal = false;
  json::array calls;
  for (const auto& b : resp.content) {
    if (b.type == BlockType::Text && is_refusal(b)) {
      refusal += b.text;
      has_refusal = true;
    } else if (b.type == BlockType::Text) {
      text += b.text;
      has_text = true;
    } else if (b.type == BlockType::ToolUse) {
      calls.push_back(json::object{
          {"id", b.id},
          {"type", "function"},
          {"function", json::object{{"name", b.name}, {"arguments", tool_arguments_text(b)}}}});
    }
    // Thinking and redacted thinking have no place in a chat.completion (protocols.md 3.9).
  }
  std::string out;
  out.reserve(256 + text.size() + req.model.size());
  out += R"({"id":)";
  append_json_string(out, completion_id(resp.id));
  out += R"(,"object":"chat.completion","created":)";
  out += std::to_string(created);
  out += R"(,"model":)";
  append_json_string(out, req.model);
  out += R"(,"choices":[{"index":0,"message":{"role":"assistant","refusal":)";
  if (has_refusal) {
    append_json_string(out, refusal);
  } else {
    out += "null";
  }
  out += R"(,"content":)";
  if (has_text) {
    append_json_string(out, text);
  } else {
    out += "null";
  }
  if (!calls.empty()) {
    out += R"(,"tool_calls":)";
    out += json::serialize(calls);
  }
  out += R"(},"logprobs":null,"finish_reason":)";
  append_json_string(out, finish_reason_of(resp.stop_reason));
  out += R"(}],"usage":)";
  append_usage_json(out, resp.usage);
  out += "}";
  return out;
}

json::object chat_error_object(const Error& err) {
  json::object e;
  e["message"] = err.message;
  e["type"] = error_type_for(status_for(err));
  e["param"] = err.param.empty() ? json::value(nullptr) : json::value(err.param);
  e["code"] = error_code_for(err);
  if (err.code == Code::UpstreamRejected && !err.upstream_detail.empty()) {
    json::error_code ec;
    json::value inner = json::parse(err.upstream_detail, ec);
    if (!ec && inner.is_object()) {
      e["innererror"] = std::move(inner);  // Azure's content filter verdict (protocols.md 6.1)
    }
  }
  return json::object{{"error", std::move(e)}};
}

ClientReply render_chat_error(const Error& err) {
  ClientReply r;
  r.status = status_for(err);
  r.headers.emplace_back("content-type", "application/json");
  r.body = json::serialize(chat_error_object(err));
  return r;
}

}  // namespace gw::openai
