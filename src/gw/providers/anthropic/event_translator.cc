// One Anthropic stream event -> canonical events (protocols.md 2.7). Shared by the anthropic SSE
// decoder, Bedrock InvokeModel chunks and Vertex streamRawPredict.
#include <algorithm>
#include <string>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/anthropic/wire_common.h"

namespace gw::anthropic {

namespace json = boost::json;

namespace {

Error stream_error(const json::object& ev) {
  std::string type;
  std::string message;
  if (const json::value* e = ev.if_contains("error"); e != nullptr && e->is_object()) {
    type = std::string(string_field(e->get_object(), "type"));
    message = std::string(string_field(e->get_object(), "message"));
  }
  Error err;
  err.upstream_type = type;
  err.message = message.empty() ? "upstream stream failed" : "upstream stream failed: " + message;
  err.retryable = true;
  if (type == "overloaded_error") {
    err.code = Code::UpstreamOverloaded;
  } else if (type == "rate_limit_error") {
    err.code = Code::RateLimited;
  } else if (type == "timeout_error") {
    err.code = Code::UpstreamTimeout;
  } else if (type == "invalid_request_error") {
    err.code = Code::UpstreamRejected;  // the request's fault: before any content, a 400 reply
    err.retryable = false;
  } else {
    err.code = Code::UpstreamError;
    err.retryable = type == "api_error" || type.empty();
  }
  return err;
}

}  // namespace

void EventTranslator::on_event(const json::object& ev, std::vector<StreamEvent>& out) {
  if (finished_ || failed_) {
    return;  // nothing follows message_stop or an error
  }
  const std::string_view type = string_field(ev, "type");
  const auto index = uint_field(ev, "index");
  const bool skipped = index && std::find(skipped_.begin(), skipped_.end(), *index) != skipped_.end();

  if (type == "message_start") {
    MessageStart ms;
    if (const json::value* m = ev.if_contains("message"); m != nullptr && m->is_object()) {
      const auto& mo = m->get_object();
      ms.id = std::string(string_field(mo, "id"));
      ms.model = std::string(string_field(mo, "model"));
      if (const json::value* u = mo.if_contains("usage"); u != nullptr && u->is_object()) {
        apply_usage(u->get_object(), usage_);
      }
    }
    ms.usage = usage_;
    out.push_back(std::move(ms));
  } else if (type == "content_block_start" && index) {
    const json::value* cb = ev.if_contains("content_block");
    const json::object empty;
    const json::object& b = cb != nullptr && cb->is_object() ? cb->get_object() : empty;
    const std::string_view bt = string_field(b, "type");
    BlockStart bs;
    bs.index = *index;
    if (bt == "text") {
      bs.type = BlockType::Text;
      out.push_back(bs);
      if (std::string_view t = string_field(b, "text"); !t.empty()) {
        out.push_back(TextDelta{*index, std::string(t)});
      }
    } else if (bt == "tool_use") {
      bs.type = BlockType::ToolUse;
      bs.id = std::string(string_field(b, "id"));
      bs.name = std::string(string_field(b, "name"));
      out.push_back(bs);
      // `input` is a {} placeholder; a server that sends the whole input here gets it kept.
      if (const json::value* in = b.if_contains("input"); in != nullptr && in->is_object() && !in->get_object().empty()) {
        out.push_back(ToolArgsDelta{*index, json::serialize(*in)});
      }
    } else if (bt == "thinking") {
      bs.type = BlockType::Thinking;
      out.push_back(bs);
      std::string_view t = string_field(b, "thinking");
      std::string_view sig = string_field(b, "signature");
      if (!t.empty() || !sig.empty()) {
        out.push_back(ThinkingDelta{*index, std::string(t), std::string(sig)});
      }
    } else if (bt == "redacted_thinking") {
      bs.type = BlockType::RedactedThinking;
      bs.data = std::string(string_field(b, "data"));
      out.push_back(bs);
    } else {
      skipped_.push_back(*index);  // server_tool_use, web_search_tool_result, ...
    }
  } else if (type == "content_block_delta" && index && !skipped) {
    const json::value* d = ev.if_contains("delta");
    if (d == nullptr || !d->is_object()) {
      return;
    }
    const auto& delta = d->get_object();
    const std::string_view dt = string_field(delta, "type");
    if (dt == "text_delta") {
      out.push_back(TextDelta{*index, std::string(string_field(delta, "text"))});
    } else if (dt == "input_json_delta") {
      out.push_back(ToolArgsDelta{*index, std::string(string_field(delta, "partial_json"))});
    } else if (dt == "thinking_delta") {
      out.push_back(ThinkingDelta{*index, std::string(string_field(delta, "thinking")), {}});
    } else if (dt == "signature_delta") {
      out.push_back(ThinkingDelta{*index, {}, std::string(string_field(delta, "signature"))});
    }
    // citations_delta and newer kinds have no canonical event.
  } else if (type == "content_block_stop" && index && !skipped) {
    out.push_back(BlockStop{*index});
  } else if (type == "message_delta") {
    if (const json::value* d = ev.if_contains("delta"); d != nullptr && d->is_object()) {
      const auto& delta = d->get_object();
      if (const json::value* sr = delta.if_contains("stop_reason"); sr != nullptr && sr->is_string()) {
        out.push_back(Finish{stop_reason_of(sr->get_string()), std::string(string_field(delta, "stop_sequence"))});
      }
    }
    if (const json::value* u = ev.if_contains("usage"); u != nullptr && u->is_object()) {
      apply_usage(u->get_object(), usage_);  // cumulative: newer values replace older ones
      out.push_back(UsageUpdate{usage_});
    }
  } else if (type == "message_stop") {
    finished_ = true;
    out.push_back(MessageStop{});
  } else if (type == "error") {
    failed_ = true;
    out.push_back(StreamError{stream_error(ev)});
  }
  // ping and unknown event types are ignored (protocols.md 2.7).
}

}  // namespace gw::anthropic
