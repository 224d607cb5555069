// One OpenAI message -> canonical Message (protocols.md 1.3, 3.2). Tool messages become a User
// message holding one ToolResult each, so an OpenAI upstream gets them back one by one.
#include <utility>

#include "gw/canonical/json_fields.h"
#include "gw/dialects/openai_chat/content_parse.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Text-only content (system, developer, tool): a string or an array of {"type":"text"} parts.
Result<std::vector<ContentBlock>> parse_text_content(const json::value& v, const std::string& at,
                                                     bool& was_string) {
  std::vector<ContentBlock> out;
  was_string = false;
  if (v.is_string()) {
    was_string = true;
    out.push_back(ContentBlock::make_text(std::string(v.get_string())));
    return out;
  }
  if (!v.is_array()) {
    return invalid_field(at, "must be a string or an array of text parts");
  }
  for (size_t j = 0; j < v.get_array().size(); ++j) {
    const std::string part_at = at + "[" + std::to_string(j) + "]";
    const auto& p = v.get_array()[j];
    const json::object* po = p.if_object();
    const json::value* type = po != nullptr ? po->if_contains("type") : nullptr;
    const json::value* text = po != nullptr ? po->if_contains("text") : nullptr;
    if (type == nullptr || !type->is_string() || type->get_string() != "text") {
      return invalid_field(part_at + ".type", "only text parts are allowed here");
    }
    if (text == nullptr || !text->is_string()) {
      return invalid_field(part_at + ".text", "must be a string");
    }
    out.push_back(ContentBlock::make_text(std::string(text->get_string())));
  }
  return out;
}

Result<ContentBlock> parse_image_part(const json::object& p, const std::string& at) {
  const json::value* iu = p.if_contains("image_url");
  const json::value* url = iu != nullptr && iu->is_object() ? iu->get_object().if_contains("url")
                                                            : nullptr;
  if (url == nullptr || !url->is_string()) {
    return invalid_field(at + ".image_url.url", "must be a string");
  }
  ContentBlock b;
  b.type = BlockType::Image;
  std::string_view u = url->get_string();
  if (auto src = parse_data_url(u)) {
    b.source = std::move(*src);
  } else if (starts_with(u, "http://") || starts_with(u, "https://")) {
    b.source.kind = MediaSource::Kind::Url;
    b.source.url = std::string(u);
  } else {
    return invalid_field(at + ".image_url.url", "must be an http(s) URL or a base64 data: URL");
  }
  if (const json::value* detail = iu->get_object().if_contains("detail"); detail != nullptr) {
    b.extra["detail"] = *detail;  // meaningful to OpenAI upstreams only
  }
  return b;
}

Result<ContentBlock> parse_file_part(const json::object& p, const std::string& at) {
  const json::value* f = p.if_contains("file");
  const json::value* data = f != nullptr && f->is_object() ? f->get_object().if_contains("file_data")
                                                           : nullptr;
  if (data == nullptr || !data->is_string()) {
    return invalid_field(at + ".file.file_data", "must be a base64 data: URL (file ids are not supported)");
  }
  auto src = parse_data_url(data->get_string());
  if (!src || src->media_type != "application/pdf") {
    return invalid_field(at + ".file.file_data", "must be a data:application/pdf;base64 URL");
  }
  ContentBlock b;
  b.type = BlockType::Document;
  b.source = std::move(*src);
  if (const json::value* name = f->get_object().if_contains("filename"); name != nullptr) {
    b.extra["filename"] = *name;
  }
  return b;
}

Result<std::vector<ContentBlock>> parse_user_content(const json::value& v, const std::string& at,
                                                     bool& was_string) {
  was_string = false;
  if (v.is_string()) {
    was_string = true;
    return std::vector<ContentBlock>{ContentBlock::make_text(std::string(v.get_string()))};
  }
  if (!v.is_array()) {
    return invalid_field(at, "must be a string or an array of content parts");
  }
  std::vector<ContentBlock> out;
  for (size_t j = 0; j < v.get_array().size(); ++j) {
    const std::string part_at = at + "[" + std::to_string(j) + "]";
    const json::object* p = v.get_array()[j].if_object();
    if (p == nullptr) {
      return invalid_field(part_at, "must be an object");
    }
    const json::value* type = p->if_contains("type");
    std::string_view t = type != nullptr && type->is_string() ? std::string_view(type->get_string())
                                                               : std::string_view();
    if (t == "text") {
      const json::value* text = p->if_contains("text");
      if (text == nullptr || !text->is_string()) {
        return invalid_field(part_at + ".text", "must be a string");
      }
      out.push_back(ContentBlock::make_text(std::string(text->get_string())));
    } else if (t == "image_url") {
      auto b = parse_image_part(*p, part_at);
      if (!b) {
        return b.error();
      }
      out.push_back(std::move(*b));
    } else if (t == "file") {
      auto b = parse_file_part(*p, part_at);
      if (!b) {
        return b.error();
      }
      out.push_back(std::move(*b));
    } else {
      // input_audio and anything newer: no provider behind the gateway takes them in every case.
      return invalid_field(part_at + ".type", "must be \"text\", \"image_url\" or \"file\"");
    }
  }
  return out;
}

Result<std::vector<ContentBlock>> parse_assistant(const json::object& o, const std::string& at,
                                                  bool& was_string) {
  std::vector<ContentBlock> out;
  was_string = false;
  if (const json::value* c = o.if_contains("content"); c != nullptr && !c->is_null()) {
    if (c->is_string()) {
      was_string = true;
      if (!c->get_string().empty()) {
        out.push_back(ContentBlock::make_text(std::string(c->get_string())));
      }
    } else if (c->is_array()) {
      for (size_t j = 0; j < c->get_array().size(); ++j) {
        const std::string part_at = at + ".content[" + std::to_string(j) + "]";
        const json::object* p = c->get_array()[j].if_object();
        const json::value* type = p != nullptr ? p->if_contains("type") : nullptr;
        std::string_view t = type != nullptr && type->is_string()
                                 ? std::string_view(type->get_string())
                                 : std::string_view();
        const char* key = t == "text" ? "text" : t == "refusal" ? "refusal" : nullptr;
        const json::value* text = key != nullptr ? p->if_contains(key) : nullptr;
        if (text == nullptr || !text->is_string()) {
          return invalid_field(part_at, "must be a text or refusal part");
        }
        out.push_back(ContentBlock::make_text(std::string(text->get_string())));
      }
    } else {
      return invalid_field(at + ".content", "must be a string, an array of parts or null");
    }
  }
  const json::value* calls = o.if_contains("tool_calls");
  if (calls == nullptr || calls->is_null()) {
    return out;
  }
  if (!calls->is_array()) {
    return invalid_field(at + ".tool_calls", "must be an array");
  }
  for (size_t j = 0; j < calls->get_array().size(); ++j) {
    const std::string call_at = at + ".tool_calls[" + std::to_string(j) + "]";
    const json::object* c = calls->get_array()[j].if_object();
    if (c == nullptr) {
      return invalid_field(call_at, "must be an object");
    }
    const json::value* id = c->if_contains("id");
    const json::value* fn = c->if_contains("function");
    if (id == nullptr || !id->is_string()) {
      return invalid_field(call_at + ".id", "must be a string");
    }
    if (fn == nullptr || !fn->is_object()) {
      return invalid_field(call_at + ".function", "must be an object");
    }
    const json::value* name = fn->get_object().if_contains("name");
    const json::value* args = fn->get_object().if_contains("arguments");
    if (name == nullptr || !name->is_string()) {
      return invalid_field(call_at + ".function.name", "must be a string");
    }
    ContentBlock b;
    b.type = BlockType::ToolUse;
    b.id = std::string(id->get_string());
    b.name = std::string(name->get_string());
    b.input = json::object{};
    if (args != nullptr && !args->is_null()) {
      if (!args->is_string()) {
        return invalid_field(call_at + ".function.arguments", "must be a JSON string");
      }
      if (!args->get_string().empty()) {
        json::error_code ec;
        json::value parsed = json::parse(args->get_string(), ec);
        // Other wires need an object; refusing early beats an opaque upstream 400.
        if (ec || !parsed.is_object()) {
          return invalid_field(call_at + ".function.arguments", "must be a JSON object encoded as a string");
        }
        if (auto r = finite_numbers(parsed); !r) {
          return invalid_field(call_at + ".function.arguments", "holds a number beyond the range of a double");
        }
        b.input = std::move(parsed);
        // An OpenAI upstream gets the text back as the client sent it: re-serializing would
        // respell numbers and round those beyond a double's precision.
        b.extra["raw_arguments"] = args->get_string();
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

std::optional<MediaSource> parse_data_url(std::string_view url) {
  if (!starts_with(url, "data:")) {
    return std::nullopt;
  }
  const size_t comma = url.find(',');
  if (comma == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view meta = url.substr(5, comma - 5);
  constexpr std::string_view kB64 = ";base64";
  if (meta.size() < kB64.size() || meta.substr(meta.size() - kB64.size()) != kB64) {
    return std::nullopt;
  }
  MediaSource s;
  s.kind = MediaSource::Kind::Base64;
  s.media_type = std::string(meta.substr(0, meta.size() - kB64.size()));
  s.data = std::string(url.substr(comma + 1));
  if (s.media_type.empty()) {
    return std::nullopt;
  }
  return s;
}

Result<Message> parse_message(const json::value& v, const std::string& at) {
  const json::object* o = v.if_object();
  if (o == nullptr) {
    return invalid_field(at, "must be an object");
  }
  const json::value* role = o->if_contains("role");
  if (role == nullptr || !role->is_string()) {
    return invalid_field(at + ".role", "must be a string");
  }
  std::string_view r = role->get_string();
  Message m;
  const json::value* content = o->if_contains("content");
  auto require_content = [&]() -> Result<const json::value*> {
    if (content == nullptr || content->is_null()) {
      return invalid_field(at + ".content", "is required");
    }
    return content;
  };

  Result<std::vector<ContentBlock>> blocks = std::vector<ContentBlock>{};
  if (r == "system" || r == "developer") {
    m.role = r == "system" ? Role::System : Role::Developer;
    auto c = require_content();
    if (!c) {
      return c.error();
    }
    blocks = parse_text_content(**c, at + ".content", m.content_was_string);
  } else if (r == "user") {
    m.role = Role::User;
    auto c = require_content();
    if (!c) {
      return c.error();
    }
    blocks = parse_user_content(**c, at + ".content", m.content_was_string);
  } else if (r == "assistant") {
    m.role = Role::Assistant;
    blocks = parse_assistant(*o, at, m.content_was_string);
  } else if (r == "tool") {
    m.role = Role::User;
    const json::value* id = o->if_contains("tool_call_id");
    if (id == nullptr || !id->is_string()) {
      return invalid_field(at + ".tool_call_id", "must be a string");
    }
    auto c = require_content();
    if (!c) {
      return c.error();
    }
    auto inner = parse_text_content(**c, at + ".content", m.content_was_string);
    if (!inner) {
      return inner.error();
    }
    ContentBlock b;
    b.type = BlockType::ToolResult;
    b.tool_use_id = std::string(id->get_string());
    b.content = std::move(*inner);
    blocks = std::vector<ContentBlock>{std::move(b)};
  } else {
    return invalid_field(at + ".role",
                         "must be one of system, developer, user, assistant, tool");
  }
  if (!blocks) {
    return blocks.error();
  }
  m.content = std::move(*blocks);
  for (const auto& [k, val] : *o) {
    if (k != "role" && k != "content" && k != "tool_calls" && k != "tool_call_id") {
      m.extra[k] = val;  // name, refusal, and fields OpenAI adds later
    }
  }
  return m;
}

}  // namespace gw::openai
