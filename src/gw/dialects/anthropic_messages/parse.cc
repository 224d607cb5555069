// Anthropic Messages request body -> canonical ChatRequest (protocols.md 2.2-2.5).
// Every type error names the offending field; unknown top-level fields survive in passthrough.
#include <string>
#include <utility>

#include "gw/canonical/json_fields.h"
#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/dialects/anthropic_messages/content_parse.h"

namespace gw::anthropic {

namespace json = boost::json;

namespace {

bool is_modelled_field(std::string_view k) {
  return k == "model" || k == "max_tokens" || k == "system" || k == "messages" || k == "tools" ||
         k == "tool_choice" || k == "stop_sequences" || k == "temperature" || k == "top_p" ||
         k == "top_k" || k == "metadata" || k == "stream" || k == "thinking";
}

// `system`: a string or an array of text blocks -> one System message at the front.
Result<void> parse_system(const json::value& v, ChatRequest& req) {
  if (v.is_null()) {
    return {};
  }
  Message m;
  m.role = Role::System;
  if (v.is_string()) {
    m.content.push_back(ContentBlock::make_text(std::string(v.get_string())));
    m.content_was_string = true;
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string at = "system[" + std::to_string(i) + "]";
      auto b = parse_block(a[i], at);
      if (!b) {
        return b.error();
      }
      if (b->type != BlockType::Text) {
        return invalid_field(at + ".type", "system blocks must be text blocks");
      }
      m.content.push_back(std::move(*b));
    }
    if (m.content.empty()) {
      return {};
    }
  } else {
    return invalid_field("system", "must be a string or an array of text blocks");
  }
  req.messages.insert(req.messages.begin(), std::move(m));
  return {};
}

Result<void> parse_messages(const json::object& o, ChatRequest& req) {
  const json::value* mv = o.if_contains("messages");
  if (mv == nullptr || !mv->is_array()) {
    return invalid_field("messages", "is required and must be an array");
  }
  const auto& arr = mv->get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) {
      return invalid_field(at, "must be an object");
    }
    const auto& mo = arr[i].get_object();
    const json::value* role = mo.if_contains("role");
    if (role == nullptr || !role->is_string()) {
      return invalid_field(at + ".role", "is required and must be a string");
    }
    Message m;
    std::string_view r = role->get_string();
    if (r == "user") {
      m.role = Role::User;
    } else if (r == "assistant") {
      m.role = Role::Assistant;
    } else if (r == "system") {
      m.role = Role::System;  // newest API: a system turn inside the conversation (protocols 2.2)
    } else {
      return invalid_field(at + ".role", "must be \"user\" or \"assistant\"");
    }
    const json::value* content = mo.if_contains("content");
    if (content == nullptr) {
      return invalid_field(at + ".content", "is required");
    }
    auto blocks = parse_content(*content, at + ".content", m.content_was_string);
    if (!blocks) {
      return blocks.error();
    }
    m.content = std::move(*blocks);
    for (const auto& [k, v] : mo) {
      if (k != "role" && k != "content") {
        m.extra[k] = v;
      }
    }
    req.messages.push_back(std::move(m));
  }
  return {};
}

Result<void> parse_tools(const json::object& o, ChatRequest& req) {
  if (const json::value* tv = o.if_contains("tools"); tv != nullptr && !tv->is_null()) {
    if (!tv->is_array()) {
      return invalid_field("tools", "must be an array");
    }
    for (size_t i = 0; i < tv->get_array().size(); ++i) {
      auto t = parse_tool(tv->get_array()[i], "tools[" + std::to_string(i) + "]");
      if (!t) {
        return t.error();
      }
      req.tools.push_back(std::move(*t));
    }
  }
  if (const json::value* tc = o.if_contains("tool_choice"); tc != nullptr) {
    auto choice = parse_tool_choice(*tc);
    if (!choice) {
      return choice.error();
    }
    req.tool_choice = std::move(*choice);
  }
  return {};
}

// What differs between a Messages body and a count_tokens one (protocols.md 2.9).
enum class Body { Messages, CountTokens };

Result<void> parse_params(const json::object& o, ChatRequest& req, Body kind) {
  auto& p = req.params;
  auto max_tokens = opt_int(o, "max_tokens");
  if (!max_tokens) {
    return max_tokens.error();
  }
  if (kind == Body::Messages && (!max_tokens->has_value() || **max_tokens < 0)) {
    return invalid_field("max_tokens", "is required and must be a non-negative integer");
  }
  if (max_tokens->has_value() && **max_tokens < 0) {
    return invalid_field("max_tokens", "must be a non-negative integer");
  }
  p.max_tokens = *max_tokens;
  for (auto [key, slot] : {std::pair{"temperature", &p.temperature}, std::pair{"top_p", &p.top_p}}) {
    auto v = opt_number(o, key);
    if (!v) {
      return v.error();
    }
    *slot = *v;
  }
  auto top_k = opt_int(o, "top_k");
  if (!top_k) {
    return top_k.error();
  }
  p.top_k = *top_k;
  if (const json::value* s = o.if_contains("stop_sequences"); s != nullptr && !s->is_null()) {
    if (!s->is_array()) {
      return invalid_field("stop_sequences", "must be an array of strings");
    }
    for (size_t i = 0; i < s->get_array().size(); ++i) {
      const auto& x = s->get_array()[i];
      if (!x.is_string()) {
        return invalid_field("stop_sequences[" + std::to_string(i) + "]", "must be a string");
      }
      p.stop.emplace_back(x.get_string());
    }
  }
  if (const json::value* md = o.if_contains("metadata"); md != nullptr && !md->is_null()) {
    if (!md->is_object()) {
      return invalid_field("metadata", "must be an object");
    }
    json::object rest = md->get_object();
    if (const json::value* uid = rest.if_contains("user_id"); uid != nullptr && !uid->is_null()) {
      if (!uid->is_string()) {
        return invalid_field("metadata.user_id", "must be a string");
      }
      p.user = std::string(uid->get_string());
    }
    rest.erase("user_id");
    if (!rest.empty()) {
      req.passthrough["metadata"] = std::move(rest);  // other keys: only Anthropic knows them
    }
  }
  if (const json::value* th = o.if_contains("thinking"); th != nullptr && !th->is_null()) {
    if (!th->is_object()) {
      return invalid_field("thinking", "must be an object");
    }
    p.thinking = *th;
  }
  return {};
}

Result<ChatRequest> parse_request(std::string_view body, Body kind) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return invalid_field("body", "is not valid JSON (" + ec.message() + ")");
  }
  if (!v.is_object()) {
    return invalid_field("body", "must be a JSON object");
  }
  if (auto r = finite_numbers(v); !r) {
    return r.error();
  }
  const auto& o = v.get_object();
  ChatRequest req;
  req.source = Dialect::AnthropicMessages;
  const json::value* model = o.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    return invalid_field("model", "is required and must be a non-empty string");
  }
  req.model = std::string(model->get_string());
  if (auto r = parse_messages(o, req); !r) {
    return r.error();
  }
  if (const json::value* sys = o.if_contains("system"); sys != nullptr) {
    if (auto r = parse_system(*sys, req); !r) {
      return r.error();
    }
  }
  if (auto r = parse_tools(o, req); !r) {
    return r.error();
  }
  if (auto r = parse_params(o, req, kind); !r) {
    return r.error();
  }
  if (const json::value* s = o.if_contains("stream"); s != nullptr && !s->is_null()) {
    if (!s->is_bool()) {
      return invalid_field("stream", "must be a boolean");
    }
    req.stream = s->get_bool();
  }
  for (const auto& [k, val] : o) {
    if (!is_modelled_field(k)) {
      req.passthrough[k] = val;
    }
  }
  if (kind == Body::CountTokens) {
    req.stream = false;  // nothing is generated, so nothing streams
  }
  return req;
}

}  // namespace

Result<ChatRequest> parse_messages_request(std::string_view body) {
  return parse_request(body, Body::Messages);
}

Result<ChatRequest> parse_count_tokens_request(std::string_view body) {
  return parse_request(body, Body::CountTokens);
}

}  // namespace gw::anthropic
