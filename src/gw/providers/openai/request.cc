// Canonical ChatRequest -> OpenAI chat completions request body (protocols.md 1.2-1.4, 3.3).
#include <string>
#include <utility>

#include "gw/canonical/tool.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

struct Ctx {
  bool same_dialect = false;  // the client spoke OpenAI: its extra fields come back verbatim
};

std::string data_url(const MediaSource& s) { return "data:" + s.media_type + ";base64," + s.data; }

void merge_extra(json::object& into, const json::object& extra, const Ctx& ctx) {
  if (!ctx.same_dialect) {
    return;  // another dialect's extras (cache_control, ...) mean nothing to OpenAI
  }
  for (const auto& [k, v] : extra) {
    if (!into.contains(k)) {
      into[k] = v;
    }
  }
}

Result<json::object> media_part(const ContentBlock& b, const std::string& at, const Ctx& ctx) {
  if (b.type == BlockType::Image) {
    json::object iu{{"url", b.source.kind == MediaSource::Kind::Url ? b.source.url : data_url(b.source)}};
    if (const json::value* d = b.extra.if_contains("detail"); d != nullptr && ctx.same_dialect) {
      iu["detail"] = *d;
    }
    return json::object{{"type", "image_url"}, {"image_url", std::move(iu)}};
  }
  // Document: OpenAI takes PDFs inline as a file part; nothing else has a place.
  if (b.source.kind != MediaSource::Kind::Base64 || b.source.media_type != "application/pdf") {
    return invalid_field(at, "only base64 PDF documents can be sent to an OpenAI upstream");
  }
  json::object file{{"file_data", data_url(b.source)}};
  const json::value* name = b.extra.if_contains("filename");
  file["filename"] = name != nullptr && name->is_string() ? *name : json::value("document.pdf");
  return json::object{{"type", "file"}, {"file", std::move(file)}};
}

// Text-only content: a plain string where the client sent one (or there is one text block),
// otherwise text parts, which keeps block boundaries.
json::value text_content(const std::vector<ContentBlock>& blocks, bool was_string) {
  std::vector<const ContentBlock*> texts;
  for (const auto& b : blocks) {
    if (b.type == BlockType::Text) {
      texts.push_back(&b);
    }
  }
  if (was_string || texts.size() == 1) {
    std::string s;
    for (const auto* b : texts) {
      s += b->text;
    }
    return json::value(s);
  }
  json::array parts;
  for (const auto* b : texts) {
    parts.push_back(json::object{{"type", "text"}, {"text", b->text}});
  }
  return parts;
}

// One ToolResult -> a "tool" message. Images cannot go in a tool message: they are moved to a
// user message that follows (`moved`), with a placeholder left behind (protocols.md 3.3).
json::object tool_message(const ContentBlock& b, bool was_string, std::vector<ContentBlock>& moved) {
  std::vector<ContentBlock> texts;
  for (const auto& c : b.content) {
    if (c.type == BlockType::Text) {
      texts.push_back(c);
    } else if (c.type == BlockType::Image || c.type == BlockType::Document) {
      texts.push_back(ContentBlock::make_text("[attachment in the following user message]"));
      moved.push_back(c);
    }
  }
  json::value content = text_content(texts, was_string || texts.empty());
  if (b.is_error) {
    // OpenAI has no is_error: say it in the text so the model still knows.
    if (content.is_string()) {
      content = json::value("Error: " + std::string(content.get_string()));
    } else if (auto& parts = content.get_array(); !parts.empty()) {
      auto& first = parts[0].get_object()["text"];
      first = "Error: " + std::string(first.get_string());
    }
  }
  return json::object{{"role", "tool"}, {"tool_call_id", b.tool_use_id}, {"content", std::move(content)}};
}

Result<void> encode_user(const Message& m, const std::string& at, const Ctx& ctx, json::array& out) {
  std::vector<ContentBlock> rest;
  bool first_tool = true;
  for (const auto& b : m.content) {
    if (b.type == BlockType::ToolResult) {
      json::object tm = tool_message(b, m.content_was_string, rest);
      if (first_tool) {
        // A tool message parsed from OpenAI is alone in its canonical message: its extras are its own.
        merge_extra(tm, m.extra, ctx);
        first_tool = false;
      }
      out.push_back(std::move(tm));
    } else if (b.type != BlockType::Thinking && b.type != BlockType::RedactedThinking) {
      rest.push_back(b);
    }
  }
  if (rest.empty()) {
    return {};
  }
  json::object um{{"role", "user"}};
  bool only_text = true;
  for (const auto& b : rest) {
    only_text = only_text && b.type == BlockType::Text;
  }
  if (only_text && (m.content_was_string || rest.size() == 1)) {
    um["content"] = text_content(rest, true);
  } else {
    json::array parts;
    for (size_t j = 0; j < rest.size(); ++j) {
      const auto& b = rest[j];
      if (b.type == BlockType::Text) {
        parts.push_back(json::object{{"type", "text"}, {"text", b.text}});
        continue;
      }
      auto p = media_part(b, at + ".content[" + std::to_string(j) + "]", ctx);
      if (!p) {
        return p.error();
      }
      parts.push_back(std::move(*p));
    }
    um["content"] = std::move(parts);
  }
  if (first_tool) {
    merge_extra(um, m.extra, ctx);
  }
  out.push_back(std::move(um));
  return {};
}

void encode_assistant(const Message& m, const Ctx& ctx, json::array& out) {
  std::string text;
  bool has_text = false;
  json::array calls;
  for (const auto& b : m.content) {
    if (b.type == BlockType::Text) {
      text += b.text;
      has_text = true;
    } else if (b.type == BlockType::ToolUse) {
      // The OpenAI client's own text where it sent one (content_parse.cc keeps it).
      std::string args = tool_arguments_text(b, ctx.same_dialect);
      calls.push_back(json::object{{"id", b.id},
                                   {"type", "function"},
                                   {"function", json::object{{"name", b.name}, {"arguments", args}}}});
    }
  }
  if (!has_text && calls.empty() && !m.content_was_string) {
    return;  // e.g. only thinking blocks: an empty assistant turn would be rejected
  }
  json::object am{{"role", "assistant"}};
  am["content"] = has_text || calls.empty() ? json::value(text) : json::value(nullptr);
  if (!calls.empty()) {
    am["tool_calls"] = std::move(calls);
  }
  merge_extra(am, m.extra, ctx);
  out.push_back(std::move(am));
}

json::value tool_choice_value(const ToolChoice& tc) {
  switch (tc.kind) {
    case ToolChoice::Kind::Auto: return "auto";
    case ToolChoice::Kind::Any: return "required";
    case ToolChoice::Kind::None: return "none";
    case ToolChoice::Kind::Tool:
      return json::object{{"type", "function"}, {"function", json::object{{"name", tc.name}}}};
    case ToolChoice::Kind::Unset: break;
  }
  return nullptr;
}

}  // namespace

Result<json::object> encode_chat_body(const ChatRequest& req, const config::Deployment& dep,
                                      config::MaxTokensField limit_field) {
  Ctx ctx{req.source == Dialect::OpenAIChat};
  json::object body;
  body["model"] = dep.model;
  json::array messages;
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (m.role == Role::System || m.role == Role::Developer) {
      json::object sm{{"role", to_string(m.role)}, {"content", text_content(m.content, m.content_was_string)}};
      merge_extra(sm, m.extra, ctx);
      messages.push_back(std::move(sm));
    } else if (m.role == Role::Assistant) {
      encode_assistant(m, ctx, messages);
    } else if (auto r = encode_user(m, at, ctx, messages); !r) {
      return r.error();
    }
  }
  body["messages"] = std::move(messages);

  if (!req.tools.empty()) {
    json::array tools;
    for (size_t i = 0; i < req.tools.size(); ++i) {
      const Tool& t = req.tools[i];
      if (is_server_tool(t)) {
        return invalid_field("tools[" + std::to_string(i) + "]",
                             "server tools run only on Anthropic-family upstreams");
      }
      json::object fn{{"name", t.name}};
      if (!t.description.empty()) {
        fn["description"] = t.description;
      }
      if (!t.input_schema.is_null()) {
        fn["parameters"] = t.input_schema;
      }
      merge_extra(fn, t.extra, ctx);
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    body["tools"] = std::move(tools);
    if (json::value tc = tool_choice_value(req.tool_choice); !tc.is_null()) {
      body["tool_choice"] = std::move(tc);
    }
    // OpenAI refuses parallel_tool_calls without tools, so it rides with them.
    if (req.params.parallel_tool_calls.has_value()) {
      body["parallel_tool_calls"] = *req.params.parallel_tool_calls;
    } else if (req.tool_choice.disable_parallel) {
      body["parallel_tool_calls"] = false;
    }
  } else if (req.tool_choice.kind == ToolChoice::Kind::None) {
    body["tool_choice"] = "none";
  }

  const auto& p = req.params;
  if (p.max_tokens.has_value()) {
    // Most compatible servers know only max_tokens, OpenAI's reasoning models only
    // max_completion_tokens: the provider says which, else the OpenAI client's own choice counts.
    const bool chose_mct = ctx.same_dialect && req.passthrough.contains("max_completion_tokens");
    const bool mct = limit_field == config::MaxTokensField::MaxCompletionTokens ||
                     (limit_field == config::MaxTokensField::Auto && chose_mct);
    body[mct ? "max_completion_tokens" : "max_tokens"] = *p.max_tokens;
  }
  if (p.temperature.has_value()) {
    body["temperature"] = *p.temperature;
  }
  if (p.top_p.has_value()) {
    body["top_p"] = *p.top_p;
  }
  if (!p.stop.empty()) {
    json::array stop;
    for (const auto& s : p.stop) {
      stop.push_back(json::value(s));
    }
    body["stop"] = std::move(stop);
  }
  if (p.user.has_value()) {
    body["user"] = *p.user;
  }
  if (!p.response_format.is_null()) {
    body["response_format"] = p.response_format;
  }
  if (req.stream) {
    body["stream"] = true;
    // The gateway meters every stream, so it always asks; the dialect drops the usage chunk when
    // the client did not ask for it.
    body["stream_options"] = json::object{{"include_usage", true}};
  }
  if (ctx.same_dialect) {
    for (const auto& [k, v] : req.passthrough) {
      if ((k == "tool_choice" && !body.contains("tools")) || k == "max_completion_tokens") {
        continue;  // max_completion_tokens: placed above, under the provider's name for it
      }
      body[k] = v;  // deliberate: passthrough holds the client's own spelling (allowed_tools, ...)
    }
  }
  return body;
}

}  // namespace gw::openai
