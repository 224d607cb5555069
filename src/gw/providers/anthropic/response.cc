// Messages API response body -> canonical ChatResponse (protocols.md 2.6), and the wire pieces
// the stream translator shares.
#include <string>
#include <utility>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/anthropic/wire_common.h"

namespace gw::anthropic {

namespace json = boost::json;

StopReason stop_reason_of(std::string_view s) {
  if (s == "end_turn" || s.empty()) {
    return StopReason::EndTurn;
  }
  if (s == "stop_sequence") {
    return StopReason::StopSequence;
  }
  if (s == "max_tokens" || s == "model_context_window_exceeded") {
    return StopReason::MaxTokens;
  }
  if (s == "tool_use") {
    return StopReason::ToolUse;
  }
  if (s == "refusal") {
    return StopReason::Refusal;
  }
  if (s == "pause_turn") {
    return StopReason::PauseTurn;
  }
  return StopReason::Unknown;
}

std::optional<uint64_t> uint_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (v->is_uint64()) {
    return v->get_uint64();
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    return static_cast<uint64_t>(v->get_int64());
  }
  return std::nullopt;
}

std::string_view string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

void apply_usage(const json::object& usage, Usage& u) {
  if (auto v = uint_field(usage, "input_tokens")) {
    u.input = *v;
  }
  if (auto v = uint_field(usage, "output_tokens")) {
    u.output = *v;
  }
  if (auto v = uint_field(usage, "cache_creation_input_tokens")) {
    u.cache_write = *v;
  }
  // The split of those writes by cache lifetime; the one-hour ones are priced apart.
  if (const json::value* cc = usage.if_contains("cache_creation"); cc != nullptr && cc->is_object()) {
    if (auto v = uint_field(cc->get_object(), "ephemeral_1h_input_tokens")) {
      u.cache_write_1h = *v;
    }
  }
  if (auto v = uint_field(usage, "cache_read_input_tokens")) {
    u.cache_read = *v;
  }
}

namespace {

Error malformed(std::string what) {
  Error e = make_error(Code::UpstreamError, "upstream answered a malformed Messages body: " + what);
  e.retryable = false;  // the upstream did the work; asking another would bill twice
  return e;
}

// A response block -> canonical; nullopt for kinds the canonical model cannot hold (server-tool
// use and results), which are left out rather than failing the whole answer.
std::optional<ContentBlock> decode_block(const json::object& o) {
  const std::string_view type = string_field(o, "type");
  ContentBlock b;
  if (type == "text") {
    b.type = BlockType::Text;
    b.text = std::string(string_field(o, "text"));
    if (const json::value* c = o.if_contains("citations"); c != nullptr && !c->is_null()) {
      b.extra["citations"] = *c;
    }
  } else if (type == "tool_use") {
    b.type = BlockType::ToolUse;
    b.id = std::string(string_field(o, "id"));
    b.name = std::string(string_field(o, "name"));
    const json::value* input = o.if_contains("input");
    b.input = input != nullptr && input->is_object() ? *input : json::value(json::object{});
  } else if (type == "thinking") {
    b.type = BlockType::Thinking;
    b.text = std::string(string_field(o, "thinking"));
    b.signature = std::string(string_field(o, "signature"));
  } else if (type == "redacted_thinking") {
    b.type = BlockType::RedactedThinking;
    b.text = std::string(string_field(o, "data"));
  } else {
    return std::nullopt;
  }
  return b;
}

}  // namespace

Result<ChatResponse> decode_response_body(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return malformed("not a JSON object");
  }
  const auto& o = v.get_object();
  if (string_field(o, "type") == "error") {
    const json::value* err = o.if_contains("error");
    std::string msg = err != nullptr && err->is_object() ? std::string(string_field(err->get_object(), "message"))
                                                         : std::string();
    Error e = make_error(Code::UpstreamError, "upstream answered an error: " + msg);
    e.retryable = true;
    return e;
  }
  const json::value* content = o.if_contains("content");
  if (content == nullptr || !content->is_array()) {
    return malformed("content is missing");
  }
  ChatResponse r;
  r.id = std::string(string_field(o, "id"));
  r.model = std::string(string_field(o, "model"));
  for (const auto& c : content->get_array()) {
    if (!c.is_object()) {
      return malformed("a content block is not an object");
    }
    if (auto b = decode_block(c.get_object())) {
      r.content.push_back(std::move(*b));
    }
  }
  r.stop_reason = stop_reason_of(string_field(o, "stop_reason"));
  r.stop_sequence = std::string(string_field(o, "stop_sequence"));
  if (const json::value* u = o.if_contains("usage"); u != nullptr && u->is_object()) {
    apply_usage(u->get_object(), r.usage);
  }
  return r;
}

Result<ChatResponse> decode_response_body(std::string_view body, std::string_view provider) {
  auto r = decode_response_body(body);
  if (!r) {
    Error e = r.error();
    e.provider = std::string(provider);
    return e;
  }
  return r;
}

Result<uint64_t> decode_count_body(std::string_view body, std::string_view field,
                                   std::string_view provider) {
  json::error_code ec;
  const json::value v = json::parse(body, ec);
  std::optional<uint64_t> n;
  if (!ec && v.is_object()) {
    n = uint_field(v.get_object(), field);
  }
  if (!n) {
    Error e = make_error(Code::UpstreamError,
                         "upstream sent a token count without \"" + std::string(field) + "\"");
    e.provider = std::string(provider);
    return e;
  }
  return *n;
}

}  // namespace gw::anthropic
