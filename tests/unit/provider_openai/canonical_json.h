#pragma once
// Test support: canonical values <-> JSON, the middle of the golden fixtures. A dialect fixture
// holds {request, canonical, upstream}: the dialect test checks request -> canonical, the provider
// test canonical -> upstream, so the pair covers client -> upstream without one binary linking
// both libraries. Responses and streams are chained the same way. Defaults are omitted on output.
#include <boost/json.hpp>
#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "gw/canonical/chat.h"
#include "gw/canonical/stream_event.h"
#include "gw/common/sse.h"

namespace gw::testing {

namespace json = boost::json;

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The *.json fixtures of GW_FIXTURES_DIR/<dir>, sorted by name.
inline std::vector<std::string> fixtures(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(GW_FIXTURES_DIR) + "/" + dir)) {
    if (e.path().extension() == ".json") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline json::object load(const std::string& path) { return json::parse(read_text(path)).as_object(); }

inline bool update_golden() { return std::getenv("GW_UPDATE_GOLDEN") != nullptr; }

// Stable, indented-enough JSON for fixtures: one key per line at the top levels.
inline std::string pretty(const json::value& v, int indent = 0) {
  const std::string pad(indent + 2, ' ');
  if (v.is_object() && !v.get_object().empty() && indent < 6) {
    std::string s = "{\n";
    bool first = true;
    for (const auto& [k, val] : v.get_object()) {
      s += (first ? "" : ",\n") + pad + json::serialize(json::value(k)) + ": " + pretty(val, indent + 2);
      first = false;
    }
    return s + "\n" + std::string(indent, ' ') + "}";
  }
  if (v.is_array() && !v.get_array().empty() && indent < 6) {
    std::string s = "[\n";
    bool first = true;
    for (const auto& val : v.get_array()) {
      s += (first ? "" : ",\n") + pad + pretty(val, indent + 2);
      first = false;
    }
    return s + "\n" + std::string(indent, ' ') + "]";
  }
  return json::serialize(v);
}

// ---- small accessors -------------------------------------------------------------------------

inline std::string s_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}
inline bool b_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_bool() && v->get_bool();
}
inline uint64_t u_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr ? v->to_number<uint64_t>() : 0;
}
inline json::value v_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr ? *v : json::value(nullptr);
}
inline json::object o_of(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v != nullptr && v->is_object() ? v->get_object() : json::object{};
}

// ---- enums -------------------------------------------------------------------------------------

inline BlockType block_type_of(std::string_view s) {
  for (BlockType t : {BlockType::Text, BlockType::Image, BlockType::Document, BlockType::ToolUse,
                      BlockType::ToolResult, BlockType::Thinking, BlockType::RedactedThinking}) {
    if (to_string(t) == s) {
      return t;
    }
  }
  return BlockType::Text;
}
inline Role role_of(std::string_view s) {
  for (Role r : {Role::System, Role::Developer, Role::User, Role::Assistant}) {
    if (to_string(r) == s) {
      return r;
    }
  }
  return Role::User;
}
inline const char* stop_name(StopReason r) {
  switch (r) {
    case StopReason::EndTurn: return "end_turn";
    case StopReason::StopSequence: return "stop_sequence";
    case StopReason::MaxTokens: return "max_tokens";
    case StopReason::ToolUse: return "tool_use";
    case StopReason::Refusal: return "refusal";
    case StopReason::PauseTurn: return "pause_turn";
    case StopReason::Malformed: return "malformed";
    case StopReason::Unknown: return "unknown";
  }
  return "unknown";
}
inline StopReason stop_of(std::string_view s) {
  for (StopReason r : {StopReason::EndTurn, StopReason::StopSequence, StopReason::MaxTokens,
                       StopReason::ToolUse, StopReason::Refusal, StopReason::PauseTurn,
                       StopReason::Malformed}) {
    if (s == stop_name(r)) {
      return r;
    }
  }
  return s.empty() ? StopReason::EndTurn : StopReason::Unknown;
}
inline const char* choice_name(ToolChoice::Kind k) {
  switch (k) {
    case ToolChoice::Kind::Unset: return "unset";
    case ToolChoice::Kind::Auto: return "auto";
    case ToolChoice::Kind::Any: return "any";
    case ToolChoice::Kind::None: return "none";
    case ToolChoice::Kind::Tool: return "tool";
  }
  return "unset";
}

// ---- usage, blocks, messages ---------------------------------------------------------------------

inline json::object to_json(const Usage& u) {
  json::object o;
  for (auto [k, v] : {std::pair{"input", u.input}, {"output", u.output}, {"cache_read", u.cache_read},
                      {"cache_write", u.cache_write}, {"reasoning", u.reasoning}}) {
    if (v != 0) {
      o[k] = v;
    }
  }
  return o;
}
inline Usage usage_from(const json::object& o) {
  return Usage{u_of(o, "input"), u_of(o, "output"), u_of(o, "cache_read"), u_of(o, "cache_write"),
               u_of(o, "reasoning")};
}

inline json::object to_json(const ContentBlock& b) {
  json::object o{{"type", to_string(b.type)}};
  if (!b.text.empty()) {
    o["text"] = b.text;
  }
  if (b.type == BlockType::Image || b.type == BlockType::Document) {
    json::object s{{"kind", b.source.kind == MediaSource::Kind::Url ? "url" : "base64"}};
    if (!b.source.media_type.empty()) {
      s["media_type"] = b.source.media_type;
    }
    if (!b.source.data.empty()) {
      s["data"] = b.source.data;
    }
    if (!b.source.url.empty()) {
      s["url"] = b.source.url;
    }
    o["source"] = s;
  }
  if (!b.id.empty()) {
    o["id"] = b.id;
  }
  if (!b.name.empty()) {
    o["name"] = b.name;
  }
  if (!b.input.is_null()) {
    o["input"] = b.input;
  }
  if (!b.tool_use_id.empty()) {
    o["tool_use_id"] = b.tool_use_id;
  }
  if (!b.content.empty()) {
    json::array a;
    for (const auto& c : b.content) {
      a.push_back(to_json(c));
    }
    o["content"] = a;
  }
  if (b.is_error) {
    o["is_error"] = true;
  }
  if (!b.signature.empty()) {
    o["signature"] = b.signature;
  }
  if (!b.extra.empty()) {
    o["extra"] = b.extra;
  }
  return o;
}
inline ContentBlock block_from(const json::object& o) {
  ContentBlock b;
  b.type = block_type_of(s_of(o, "type"));
  b.text = s_of(o, "text");
  json::object s = o_of(o, "source");
  b.source.kind = s_of(s, "kind") == "url" ? MediaSource::Kind::Url : MediaSource::Kind::Base64;
  b.source.media_type = s_of(s, "media_type");
  b.source.data = s_of(s, "data");
  b.source.url = s_of(s, "url");
  b.id = s_of(o, "id");
  b.name = s_of(o, "name");
  b.input = v_of(o, "input");
  b.tool_use_id = s_of(o, "tool_use_id");
  if (const json::value* c = o.if_contains("content"); c != nullptr && c->is_array()) {
    for (const auto& x : c->get_array()) {
      b.content.push_back(block_from(x.get_object()));
    }
  }
  b.is_error = b_of(o, "is_error");
  b.signature = s_of(o, "signature");
  b.extra = o_of(o, "extra");
  return b;
}
inline json::array blocks_json(const std::vector<ContentBlock>& bs) {
  json::array a;
  for (const auto& b : bs) {
    a.push_back(to_json(b));
  }
  return a;
}
inline std::vector<ContentBlock> blocks_from(const json::value& v) {
  std::vector<ContentBlock> out;
  if (v.is_array()) {
    for (const auto& x : v.get_array()) {
      out.push_back(block_from(x.get_object()));
    }
  }
  return out;
}

// ---- request -------------------------------------------------------------------------------------

inline json::object to_json(const ChatRequest& r) {
  json::object o{{"source", r.source == Dialect::OpenAIChat ? "openai_chat" : "anthropic_messages"},
                 {"model", r.model}};
  json::array msgs;
  for (const auto& m : r.messages) {
    json::object mo{{"role", to_string(m.role)}, {"content", blocks_json(m.content)}};
    if (m.content_was_string) {
      mo["content_was_string"] = true;
    }
    if (!m.extra.empty()) {
      mo["extra"] = m.extra;
    }
    msgs.push_back(mo);
  }
  o["messages"] = msgs;
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object to{{"name", t.name}, {"input_schema", t.input_schema}};
      if (!t.description.empty()) {
        to["description"] = t.description;
      }
      if (!t.extra.empty()) {
        to["extra"] = t.extra;
      }
      tools.push_back(to);
    }
    o["tools"] = tools;
  }
  if (r.tool_choice.kind != ToolChoice::Kind::Unset || r.tool_choice.disable_parallel) {
    json::object tc{{"kind", choice_name(r.tool_choice.kind)}};
    if (!r.tool_choice.name.empty()) {
      tc["name"] = r.tool_choice.name;
    }
    if (r.tool_choice.disable_parallel) {
      tc["disable_parallel"] = true;
    }
    o["tool_choice"] = tc;
  }
  const auto& p = r.params;
  json::object po;
  if (p.max_tokens) {
    po["max_tokens"] = *p.max_tokens;
  }
  if (p.temperature) {
    po["temperature"] = *p.temperature;
  }
  if (p.top_p) {
    po["top_p"] = *p.top_p;
  }
  if (p.top_k) {
    po["top_k"] = *p.top_k;
  }
  if (!p.stop.empty()) {
    json::array st;
    for (const auto& s : p.stop) {
      st.push_back(json::value(s));
    }
    po["stop"] = st;
  }
  if (p.user) {
    po["user"] = *p.user;
  }
  if (p.parallel_tool_calls) {
    po["parallel_tool_calls"] = *p.parallel_tool_calls;
  }
  if (!p.thinking.is_null()) {
    po["thinking"] = p.thinking;
  }
  if (!p.response_format.is_null()) {
    po["response_format"] = p.response_format;
  }
  if (!po.empty()) {
    o["params"] = po;
  }
  if (r.stream) {
    o["stream"] = true;
  }
  if (r.include_usage) {
    o["include_usage"] = true;
  }
  if (!r.passthrough.empty()) {
    o["passthrough"] = r.passthrough;
  }
  return o;
}

inline ChatRequest request_from(const json::object& o) {
  ChatRequest r;
  r.source = s_of(o, "source") == "anthropic_messages" ? Dialect::AnthropicMessages : Dialect::OpenAIChat;
  r.model = s_of(o, "model");
  if (const json::value* ms = o.if_contains("messages"); ms != nullptr) {
    for (const auto& mv : ms->get_array()) {
      const auto& mo = mv.get_object();
      Message m;
      m.role = role_of(s_of(mo, "role"));
      m.content = blocks_from(v_of(mo, "content"));
      m.content_was_string = b_of(mo, "content_was_string");
      m.extra = o_of(mo, "extra");
      r.messages.push_back(std::move(m));
    }
  }
  if (const json::value* ts = o.if_contains("tools"); ts != nullptr) {
    for (const auto& tv : ts->get_array()) {
      const auto& to = tv.get_object();
      r.tools.push_back(Tool{s_of(to, "name"), s_of(to, "description"), v_of(to, "input_schema"),
                             o_of(to, "extra")});
    }
  }
  json::object tc = o_of(o, "tool_choice");
  for (auto k : {ToolChoice::Kind::Auto, ToolChoice::Kind::Any, ToolChoice::Kind::None, ToolChoice::Kind::Tool}) {
    if (s_of(tc, "kind") == choice_name(k)) {
      r.tool_choice.kind = k;
    }
  }
  r.tool_choice.name = s_of(tc, "name");
  r.tool_choice.disable_parallel = b_of(tc, "disable_parallel");
  json::object p = o_of(o, "params");
  if (p.contains("max_tokens")) {
    r.params.max_tokens = p.at("max_tokens").to_number<int64_t>();
  }
  if (p.contains("temperature")) {
    r.params.temperature = p.at("temperature").to_number<double>();
  }
  if (p.contains("top_p")) {
    r.params.top_p = p.at("top_p").to_number<double>();
  }
  if (p.contains("top_k")) {
    r.params.top_k = p.at("top_k").to_number<int64_t>();
  }
  if (p.contains("stop")) {
    for (const auto& s : p.at("stop").get_array()) {
      r.params.stop.emplace_back(s.get_string());
    }
  }
  if (p.contains("user")) {
    r.params.user = s_of(p, "user");
  }
  if (p.contains("parallel_tool_calls")) {
    r.params.parallel_tool_calls = b_of(p, "parallel_tool_calls");
  }
  r.params.thinking = v_of(p, "thinking");
  r.params.response_format = v_of(p, "response_format");
  r.stream = b_of(o, "stream");
  r.include_usage = b_of(o, "include_usage");
  r.passthrough = o_of(o, "passthrough");
  return r;
}

// ---- response ------------------------------------------------------------------------------------

inline json::object to_json(const ChatResponse& r) {
  json::object o{{"id", r.id}, {"model", r.model}, {"content", blocks_json(r.content)},
                 {"stop_reason", stop_name(r.stop_reason)}, {"usage", to_json(r.usage)}};
  if (!r.stop_sequence.empty()) {
    o["stop_sequence"] = r.stop_sequence;
  }
  return o;
}
inline ChatResponse response_from(const json::object& o) {
  ChatResponse r;
  r.id = s_of(o, "id");
  r.model = s_of(o, "model");
  r.content = blocks_from(v_of(o, "content"));
  r.stop_reason = stop_of(s_of(o, "stop_reason"));
  r.stop_sequence = s_of(o, "stop_sequence");
  r.usage = usage_from(o_of(o, "usage"));
  return r;
}

// ---- stream events -------------------------------------------------------------------------------

inline json::object to_json(const StreamEvent& ev) {
  return std::visit(
      [](const auto& e) -> json::object {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, MessageStart>) {
          return {{"event", "message_start"}, {"id", e.id}, {"model", e.model}, {"usage", to_json(e.usage)}};
        } else if constexpr (std::is_same_v<T, BlockStart>) {
          json::object o{{"event", "block_start"}, {"index", e.index}, {"type", to_string(e.type)}};
          if (!e.id.empty()) {
            o["id"] = e.id;
          }
          if (!e.name.empty()) {
            o["name"] = e.name;
          }
          if (!e.data.empty()) {
            o["data"] = e.data;
          }
          if (e.refusal) {
            o["refusal"] = true;
          }
          return o;
        } else if constexpr (std::is_same_v<T, TextDelta>) {
          return {{"event", "text_delta"}, {"index", e.index}, {"text", e.text}};
        } else if constexpr (std::is_same_v<T, ToolArgsDelta>) {
          return {{"event", "tool_args_delta"}, {"index", e.index}, {"partial_json", e.partial_json}};
        } else if constexpr (std::is_same_v<T, ThinkingDelta>) {
          return {{"event", "thinking_delta"}, {"index", e.index}, {"thinking", e.thinking},
                  {"signature", e.signature}};
        } else if constexpr (std::is_same_v<T, BlockStop>) {
          return {{"event", "block_stop"}, {"index", e.index}};
        } else if constexpr (std::is_same_v<T, Finish>) {
          return {{"event", "finish"}, {"reason", stop_name(e.reason)}};
        } else if constexpr (std::is_same_v<T, UsageUpdate>) {
          return {{"event", "usage"}, {"usage", to_json(e.usage)}};
        } else if constexpr (std::is_same_v<T, MessageStop>) {
          return {{"event", "message_stop"}};
        } else {
          return {{"event", "error"}, {"message", e.error.message}, {"retryable", e.error.retryable}};
        }
      },
      ev);
}

inline StreamEvent event_from(const json::object& o) {
  const std::string k = s_of(o, "event");
  const size_t index = o.contains("index") ? o.at("index").to_number<size_t>() : 0;
  if (k == "message_start") {
    return MessageStart{s_of(o, "id"), s_of(o, "model"), usage_from(o_of(o, "usage"))};
  }
  if (k == "block_start") {
    BlockStart bs{index, block_type_of(s_of(o, "type")), s_of(o, "id"), s_of(o, "name"), s_of(o, "data")};
    const json::value* refusal = o.if_contains("refusal");
    bs.refusal = refusal != nullptr && refusal->is_bool() && refusal->get_bool();
    return bs;
  }
  if (k == "text_delta") {
    return TextDelta{index, s_of(o, "text")};
  }
  if (k == "tool_args_delta") {
    return ToolArgsDelta{index, s_of(o, "partial_json")};
  }
  if (k == "thinking_delta") {
    return ThinkingDelta{index, s_of(o, "thinking"), s_of(o, "signature")};
  }
  if (k == "block_stop") {
    return BlockStop{index};
  }
  if (k == "finish") {
    return Finish{stop_of(s_of(o, "reason")), {}};
  }
  if (k == "usage") {
    return UsageUpdate{usage_from(o_of(o, "usage"))};
  }
  if (k == "message_stop") {
    return MessageStop{};
  }
  Error e;
  e.code = Code::UpstreamError;
  e.message = s_of(o, "message");
  e.retryable = b_of(o, "retryable");
  return StreamError{e};
}

inline json::array events_json(const std::vector<StreamEvent>& evs) {
  json::array a;
  for (const auto& e : evs) {
    a.push_back(to_json(e));
  }
  return a;
}

// The data lines of an SSE text, each parsed as JSON when it is JSON ("[DONE]" stays a string),
// with the per-response "id" and "created" removed so fixtures need not predict them.
inline std::vector<json::value> sse_payloads(std::string_view text) {
  SseReader reader;
  std::vector<SseEvent> evs;
  reader.feed(text, evs);
  std::vector<json::value> out;
  for (const auto& e : evs) {
    json::error_code ec;
    json::value v = json::parse(e.data, ec);
    if (ec) {
      out.emplace_back(e.data);
      continue;
    }
    if (v.is_object()) {
      v.get_object().erase("id");
      v.get_object().erase("created");
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace gw::testing
