// Messages API content blocks, tools and tool_choice -> canonical (protocols.md 2.3, 2.4).
// Fields the canonical model does not hold (cache_control, citations, title, ...) are kept in the
// block's `extra`, so an Anthropic-family upstream receives them back unchanged.
#include "gw/dialects/anthropic_messages/content_parse.h"

#include <string_view>
#include <utility>

namespace gw::anthropic {

namespace json = boost::json;

namespace {

Result<std::string> required_string(const json::object& o, std::string_view key, const std::string& at) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return invalid_field(at + "." + std::string(key), "is required and must be a string");
  }
  return std::string(v->get_string());
}

// Copies every field except `known` into `extra`.
void keep_rest(const json::object& o, std::initializer_list<std::string_view> known, json::object& extra) {
  for (const auto& [k, v] : o) {
    bool is_known = false;
    for (std::string_view n : known) {
      is_known = is_known || k == n;
    }
    if (!is_known) {
      extra[k] = v;
    }
  }
}

// Image and document sources. base64 and url map onto MediaSource; the other kinds (a document's
// "text" or "content" source, a Files API "file" source) have no canonical form and travel
// verbatim in extra["source"], which only an Anthropic-family upstream will read.
Result<void> parse_source(const json::object& block, const std::string& at, ContentBlock& b) {
  const std::string sat = at + ".source";
  const json::value* sv = block.if_contains("source");
  if (sv == nullptr || !sv->is_object()) {
    return invalid_field(sat, "is required and must be an object");
  }
  const auto& s = sv->get_object();
  auto type = required_string(s, "type", sat);
  if (!type) {
    return type.error();
  }
  if (*type == "base64") {
    auto mt = required_string(s, "media_type", sat);
    if (!mt) {
      return mt.error();
    }
    auto data = required_string(s, "data", sat);
    if (!data) {
      return data.error();
    }
    b.source.kind = MediaSource::Kind::Base64;
    b.source.media_type = std::move(*mt);
    b.source.data = std::move(*data);
    return {};
  }
  if (*type == "url") {
    auto url = required_string(s, "url", sat);
    if (!url) {
      return url.error();
    }
    b.source.kind = MediaSource::Kind::Url;
    b.source.url = std::move(*url);
    return {};
  }
  if (*type == "text" || *type == "content" || *type == "file") {
    if (const json::value* mt = s.if_contains("media_type"); mt != nullptr && mt->is_string()) {
      b.source.media_type = std::string(mt->get_string());
    }
    if (const json::value* d = s.if_contains("data"); d != nullptr && d->is_string() && *type == "text") {
      b.source.data = std::string(d->get_string());
    }
    b.extra["source"] = s;
    return {};
  }
  return invalid_field(sat + ".type", "must be \"base64\", \"url\", \"text\", \"content\" or \"file\"");
}

Result<void> parse_tool_result(const json::object& o, const std::string& at, ContentBlock& b) {
  auto id = required_string(o, "tool_use_id", at);
  if (!id) {
    return id.error();
  }
  b.tool_use_id = std::move(*id);
  if (const json::value* e = o.if_contains("is_error"); e != nullptr && !e->is_null()) {
    if (!e->is_bool()) {
      return invalid_field(at + ".is_error", "must be a boolean");
    }
    b.is_error = e->get_bool();
  }
  if (const json::value* c = o.if_contains("content"); c != nullptr && !c->is_null()) {
    bool was_string = false;
    auto inner = parse_content(*c, at + ".content", was_string);
    if (!inner) {
      return inner.error();
    }
    for (size_t j = 0; j < inner->size(); ++j) {
      BlockType t = (*inner)[j].type;
      if (t != BlockType::Text && t != BlockType::Image && t != BlockType::Document) {
        return invalid_field(at + ".content[" + std::to_string(j) + "].type",
                             "a tool_result may hold only text, image and document blocks");
      }
    }
    b.content = std::move(*inner);
  }
  keep_rest(o, {"type", "tool_use_id", "is_error", "content"}, b.extra);
  return {};
}

}  // namespace

Result<ContentBlock> parse_block(const json::value& v, const std::string& at) {
  if (!v.is_object()) {
    return invalid_field(at, "must be an object");
  }
  const auto& o = v.get_object();
  auto type = required_string(o, "type", at);
  if (!type) {
    return type.error();
  }
  ContentBlock b;
  if (*type == "text") {
    auto text = required_string(o, "text", at);
    if (!text) {
      return text.error();
    }
    b.type = BlockType::Text;
    b.text = std::move(*text);
    keep_rest(o, {"type", "text"}, b.extra);
  } else if (*type == "image" || *type == "document") {
    b.type = *type == "image" ? BlockType::Image : BlockType::Document;
    if (auto r = parse_source(o, at, b); !r) {
      return r.error();
    }
    keep_rest(o, {"type", "source"}, b.extra);
  } else if (*type == "tool_use") {
    auto id = required_string(o, "id", at);
    if (!id) {
      return id.error();
    }
    auto name = required_string(o, "name", at);
    if (!name) {
      return name.error();
    }
    b.type = BlockType::ToolUse;
    b.id = std::move(*id);
    b.name = std::move(*name);
    const json::value* input = o.if_contains("input");
    if (input != nullptr && !input->is_object() && !input->is_null()) {
      return invalid_field(at + ".input", "must be an object");
    }
    b.input = input != nullptr && input->is_object() ? *input : json::value(json::object{});
    keep_rest(o, {"type", "id", "name", "input"}, b.extra);
  } else if (*type == "tool_result") {
    b.type = BlockType::ToolResult;
    if (auto r = parse_tool_result(o, at, b); !r) {
      return r.error();
    }
  } else if (*type == "thinking") {
    auto thinking = required_string(o, "thinking", at);
    if (!thinking) {
      return thinking.error();
    }
    b.type = BlockType::Thinking;
    b.text = std::move(*thinking);
    if (const json::value* sig = o.if_contains("signature"); sig != nullptr && !sig->is_null()) {
      if (!sig->is_string()) {
        return invalid_field(at + ".signature", "must be a string");
      }
      b.signature = std::string(sig->get_string());
    }
    keep_rest(o, {"type", "thinking", "signature"}, b.extra);
  } else if (*type == "redacted_thinking") {
    auto data = required_string(o, "data", at);
    if (!data) {
      return data.error();
    }
    b.type = BlockType::RedactedThinking;
    b.text = std::move(*data);
    keep_rest(o, {"type", "data"}, b.extra);
  } else {
    // Server-tool result blocks and newer kinds have no canonical form; a clear 400 beats a
    // silently altered conversation.
    return invalid_field(at + ".type", "unsupported content block type \"" + *type + "\"");
  }
  return b;
}

Result<std::vector<ContentBlock>> parse_content(const json::value& v, const std::string& at,
                                                bool& was_string) {
  std::vector<ContentBlock> out;
  was_string = false;
  if (v.is_string()) {
    was_string = true;
    out.push_back(ContentBlock::make_text(std::string(v.get_string())));
    return out;
  }
  if (!v.is_array()) {
    return invalid_field(at, "must be a string or an array of content blocks");
  }
  const auto& a = v.get_array();
  out.reserve(a.size());
  for (size_t j = 0; j < a.size(); ++j) {
    auto b = parse_block(a[j], at + "[" + std::to_string(j) + "]");
    if (!b) {
      return b.error();
    }
    out.push_back(std::move(*b));
  }
  return out;
}

Result<Tool> parse_tool(const json::value& v, const std::string& at) {
  if (!v.is_object()) {
    return invalid_field(at, "must be an object");
  }
  const auto& o = v.get_object();
  Tool t;
  const json::value* type = o.if_contains("type");
  if (type != nullptr && !type->is_null() && !type->is_string()) {
    return invalid_field(at + ".type", "must be a string");
  }
  const bool server = type != nullptr && type->is_string() && type->get_string() != "custom";
  auto name = required_string(o, "name", at);
  if (!name) {
    return name.error();
  }
  t.name = std::move(*name);
  if (server) {
    // A server tool (web_search_20250305, bash_..., ...): its `type` is the flag, everything
    // else rides along verbatim.
    keep_rest(o, {"name"}, t.extra);
    return t;
  }
  if (const json::value* d = o.if_contains("description"); d != nullptr && !d->is_null()) {
    if (!d->is_string()) {
      return invalid_field(at + ".description", "must be a string");
    }
    t.description = std::string(d->get_string());
  }
  const json::value* schema = o.if_contains("input_schema");
  if (schema == nullptr || !schema->is_object()) {
    return invalid_field(at + ".input_schema", "is required and must be a JSON Schema object");
  }
  t.input_schema = *schema;
  keep_rest(o, {"name", "description", "input_schema"}, t.extra);
  return t;
}

Result<ToolChoice> parse_tool_choice(const json::value& v) {
  ToolChoice tc;
  if (v.is_null()) {
    return tc;
  }
  if (!v.is_object()) {
    return invalid_field("tool_choice", "must be an object");
  }
  const auto& o = v.get_object();
  auto type = required_string(o, "type", "tool_choice");
  if (!type) {
    return type.error();
  }
  if (*type == "auto") {
    tc.kind = ToolChoice::Kind::Auto;
  } else if (*type == "any") {
    tc.kind = ToolChoice::Kind::Any;
  } else if (*type == "none") {
    tc.kind = ToolChoice::Kind::None;
  } else if (*type == "tool") {
    auto name = required_string(o, "name", "tool_choice");
    if (!name) {
      return name.error();
    }
    tc.kind = ToolChoice::Kind::Tool;
    tc.name = std::move(*name);
  } else {
    return invalid_field("tool_choice.type", "must be \"auto\", \"any\", \"tool\" or \"none\"");
  }
  if (const json::value* d = o.if_contains("disable_parallel_tool_use"); d != nullptr && !d->is_null()) {
    if (!d->is_bool()) {
      return invalid_field("tool_choice.disable_parallel_tool_use", "must be a boolean");
    }
    tc.disable_parallel = d->get_bool();
  }
  return tc;
}

}  // namespace gw::anthropic
