// Converse bodies (protocols.md 4.4): canonical requests to Bedrock's camelCase JSON, and its
// answers back. Used for every model that is not Anthropic's.
#include <algorithm>
#include <string>
#include <utility>

#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

std::string_view str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::optional<uint64_t> count_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_uint64()) {
    return v->get_uint64();
  }
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0) {
    return static_cast<uint64_t>(v->get_int64());
  }
  return std::nullopt;
}

// Converse tool ids must match [a-zA-Z0-9_-]{1,64}; OpenAI and Anthropic ids almost always do.
// The same id maps to the same result in toolUse and toolResult, so the pair still matches.
std::string tool_id(std::string_view id) {
  std::string out;
  for (char c : id.substr(0, 64)) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? std::string("tool") : out;
}

std::optional<std::string_view> image_format(std::string_view media_type) {
  if (media_type == "image/png") {
    return "png";
  }
  if (media_type == "image/jpeg" || media_type == "image/jpg") {
    return "jpeg";
  }
  if (media_type == "image/gif") {
    return "gif";
  }
  if (media_type == "image/webp") {
    return "webp";
  }
  return std::nullopt;
}

std::optional<std::string_view> document_format(std::string_view media_type) {
  static const std::pair<std::string_view, std::string_view> kFormats[] = {
      {"application/pdf", "pdf"},
      {"text/csv", "csv"},
      {"application/msword", "doc"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
      {"application/vnd.ms-excel", "xls"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"text/html", "html"},
      {"text/plain", "txt"},
      {"text/markdown", "md"}};
  for (const auto& [mt, f] : kFormats) {
    if (mt == media_type) {
      return f;
    }
  }
  return std::nullopt;
}

// Converse allows letters, digits, whitespace, hyphens, parentheses and brackets in names.
std::string document_name(const ContentBlock& b, size_t n) {
  std::string out;
  for (char c : str_field(b.extra, "title")) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == '-' || c == '(' ||
                    c == ')' || c == '[' || c == ']';
    out.push_back(ok ? c : '-');
  }
  return out.empty() ? "document-" + std::to_string(n) : out;
}

// Whether the request will carry a toolConfig: Converse has no "none", so that choice withholds
// the tools (encode_tools).
bool declares_tools(const ChatRequest& req) {
  return !req.tools.empty() && req.tool_choice.kind != ToolChoice::Kind::None;
}

struct Encoder {
  size_t documents = 0;
  // Converse refuses toolUse/toolResult blocks in a request without toolConfig ("The toolConfig
  // field must be defined when using toolUse and toolResult content blocks"), and declaring the
  // tools anyway would let the model call one the client ruled out. So without declared tools,
  // the conversation's tool calls and results are told as text.
  bool tools_as_text = false;

  Result<void> tool_use_as_text(const ContentBlock& b, json::array& out) {
    const std::string input = json::serialize(b.input.is_object() ? b.input : json::value(json::object{}));
    out.push_back(json::object{{"text", "[called tool " + b.name + " (id " + b.id + ") with " + input + "]"}});
    return {};
  }

  // A header naming the call, then the result's own blocks (text, images, documents) as they are.
  Result<void> tool_result_as_text(const ContentBlock& b, const std::string& field, json::array& out) {
    const std::string what = b.is_error ? "error from tool call " : "result of tool call ";
    out.push_back(json::object{{"text", "[" + what + b.tool_use_id + "]"}});
    for (size_t i = 0; i < b.content.size(); ++i) {
      const ContentBlock& c = b.content[i];
      if (c.type == BlockType::ToolResult || c.type == BlockType::ToolUse) {
        continue;
      }
      if (auto r = block(c, field + ".content[" + std::to_string(i) + "]", out); !r) {
        return r;
      }
    }
    return {};
  }

  // One canonical block -> zero or more Converse blocks (a cache_control adds a cachePoint).
  Result<void> block(const ContentBlock& b, const std::string& field, json::array& out) {
    if (tools_as_text && b.type == BlockType::ToolUse) {
      return tool_use_as_text(b, out);
    }
    if (tools_as_text && b.type == BlockType::ToolResult) {
      return tool_result_as_text(b, field, out);
    }
    json::object o;
    switch (b.type) {
      case BlockType::Text:
        if (b.text.empty()) {
          return {};  // Converse refuses blank text blocks
        }
        o["text"] = b.text;
        break;
      case BlockType::Image: {
        auto fmt = image_format(b.source.media_type);
        if (b.source.kind == MediaSource::Kind::Url) {
          return invalid_field(field, "Bedrock Converse accepts only base64 images, not URLs");
        }
        if (!fmt) {
          return invalid_field(field, "image type '" + b.source.media_type + "' is not supported by Bedrock");
        }
        o["image"] = json::object{{"format", *fmt}, {"source", json::object{{"bytes", b.source.data}}}};
        break;
      }
      case BlockType::Document: {
        auto fmt = document_format(b.source.media_type);
        if (b.source.kind == MediaSource::Kind::Url) {
          return invalid_field(field, "Bedrock Converse accepts only inline documents, not URLs");
        }
        if (!fmt) {
          return invalid_field(field, "document type '" + b.source.media_type + "' is not supported by Bedrock");
        }
        o["document"] = json::object{{"format", *fmt},
                                     {"name", document_name(b, ++documents)},
                                     {"source", json::object{{"bytes", b.source.data}}}};
        break;
      }
      case BlockType::ToolUse:
        o["toolUse"] = json::object{{"toolUseId", tool_id(b.id)},
                                    {"name", b.name},
                                    {"input", b.input.is_object() ? b.input : json::value(json::object{})}};
        break;
      case BlockType::ToolResult: {
        json::array inner;
        for (size_t i = 0; i < b.content.size(); ++i) {
          const ContentBlock& c = b.content[i];
          if (c.type == BlockType::ToolResult || c.type == BlockType::ToolUse) {
            continue;  // not a result's content anywhere; nothing to say
          }
          if (auto r = block(c, field + ".content[" + std::to_string(i) + "]", inner); !r) {
            return r;
          }
        }
        // cachePoint has no place inside a tool result.
        inner.erase(std::remove_if(inner.begin(), inner.end(),
                                   [](const json::value& v) { return v.get_object().contains("cachePoint"); }),
                    inner.end());
        if (inner.empty()) {
          inner.push_back(json::object{{"text", b.is_error ? "error" : "(no output)"}});
        }
        o["toolResult"] = json::object{{"toolUseId", tool_id(b.tool_use_id)},
                                       {"content", std::move(inner)},
                                       {"status", b.is_error ? "error" : "success"}};
        break;
      }
      case BlockType::Thinking:
        o["reasoningContent"] =
            json::object{{"reasoningText", json::object{{"text", b.text}, {"signature", b.signature}}}};
        break;
      case BlockType::RedactedThinking:
        o["reasoningContent"] = json::object{{"redactedContent", b.text}};
        break;
    }
    out.push_back(std::move(o));
    if (b.extra.contains("cache_control")) {
      out.push_back(json::object{{"cachePoint", json::object{{"type", "default"}}}});
    }
    return {};
  }
};

Result<void> encode_messages(const ChatRequest& req, json::object& body) {
  Encoder enc;
  enc.tools_as_text = !declares_tools(req);
  json::array system;
  json::array messages;
  std::string_view last_role;
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    const std::string field = "messages[" + std::to_string(i) + "]";
    if (m.role == Role::System || m.role == Role::Developer) {
      for (size_t j = 0; j < m.content.size(); ++j) {
        const ContentBlock& b = m.content[j];
        if (b.type != BlockType::Text) {
          return invalid_field(field + ".content[" + std::to_string(j) + "]",
                               "Bedrock Converse system prompts hold only text");
        }
        if (auto r = enc.block(b, field, system); !r) {
          return r;
        }
      }
      continue;
    }
    json::array content;
    for (size_t j = 0; j < m.content.size(); ++j) {
      if (auto r = enc.block(m.content[j], field + ".content[" + std::to_string(j) + "]", content); !r) {
        return r;
      }
    }
    if (content.empty()) {
      continue;  // e.g. an assistant turn that only called tools had content ""
    }
    const std::string_view role = m.role == Role::Assistant ? "assistant" : "user";
    // Converse wants turns to alternate; consecutive turns of one role (an OpenAI client's
    // separate tool messages) become one.
    if (role == last_role) {
      json::array& prev = messages.back().get_object()["content"].get_array();
      for (auto& v : content) {
        prev.push_back(std::move(v));
      }
      continue;
    }
    messages.push_back(json::object{{"role", role}, {"content", std::move(content)}});
    last_role = role;
  }
  body["messages"] = std::move(messages);
  if (!system.empty()) {
    body["system"] = std::move(system);
  }
  return {};
}

void encode_inference(const ChatRequest& req, const config::Deployment& dep, json::object& body) {
  const SamplingParams& p = req.params;
  json::object ic;
  if (auto mt = p.max_tokens ? p.max_tokens : dep.max_tokens_default) {
    ic["maxTokens"] = *mt;
  }
  if (p.temperature) {
    ic["temperature"] = std::clamp(*p.temperature, 0.0, 1.0);  // OpenAI allows up to 2
  }
  if (p.top_p) {
    ic["topP"] = *p.top_p;
  }
  if (!p.stop.empty()) {
    json::array stop;
    for (const auto& s : p.stop) {
      stop.push_back(json::value(s));
    }
    ic["stopSequences"] = std::move(stop);
  }
  if (!ic.empty()) {
    body["inferenceConfig"] = std::move(ic);
  }
  // Model-specific knobs Converse does not model go where Bedrock forwards them to the model.
  json::object extra;
  if (p.top_k) {
    extra["top_k"] = *p.top_k;
  }
  if (p.thinking.is_object()) {
    extra["thinking"] = p.thinking;
  }
  if (!extra.empty()) {
    body["additionalModelRequestFields"] = std::move(extra);
  }
}

void encode_tools(const ChatRequest& req, json::object& body) {
  // Converse has no "none": the tools are left out, so the model cannot call one.
  if (!declares_tools(req)) {
    return;
  }
  json::array tools;
  for (const auto& t : req.tools) {
    json::object spec{{"name", t.name}};
    if (!t.description.empty()) {
      spec["description"] = t.description;
    }
    spec["inputSchema"] = json::object{
        {"json", t.input_schema.is_object()
                     ? t.input_schema
                     : json::value(json::object{{"type", "object"}, {"properties", json::object{}}})}};
    tools.push_back(json::object{{"toolSpec", std::move(spec)}});
  }
  json::object config{{"tools", std::move(tools)}};
  switch (req.tool_choice.kind) {
    case ToolChoice::Kind::Auto: config["toolChoice"] = json::object{{"auto", json::object{}}}; break;
    case ToolChoice::Kind::Any: config["toolChoice"] = json::object{{"any", json::object{}}}; break;
    case ToolChoice::Kind::Tool:
      config["toolChoice"] = json::object{{"tool", json::object{{"name", req.tool_choice.name}}}};
      break;
    case ToolChoice::Kind::Unset:
    case ToolChoice::Kind::None: break;
  }
  body["toolConfig"] = std::move(config);
}

// OpenAI response_format -> outputConfig.textFormat (a JSON schema given as a string).
Result<void> encode_response_format(const json::value& rf, json::object& body) {
  if (!rf.is_object()) {
    return {};
  }
  const json::object& o = rf.get_object();
  const std::string_view type = str_field(o, "type");
  if (type == "text" || type.empty()) {
    return {};
  }
  const json::value* js = o.if_contains("json_schema");
  const json::value* schema = js != nullptr && js->is_object() ? js->get_object().if_contains("schema") : nullptr;
  if (type != "json_schema" || schema == nullptr || !schema->is_object()) {
    return invalid_field("response_format", "Bedrock Converse supports only json_schema response formats");
  }
  json::object jschema{{"schema", json::serialize(*schema)}};
  if (auto name = str_field(js->get_object(), "name"); !name.empty()) {
    jschema["name"] = name;
  }
  if (auto d = str_field(js->get_object(), "description"); !d.empty()) {
    jschema["description"] = d;
  }
  body["outputConfig"] = json::object{
      {"textFormat", json::object{{"type", "json_schema"}, {"structure", json::object{{"jsonSchema", std::move(jschema)}}}}}};
  return {};
}

std::optional<ContentBlock> decode_block(const json::object& o) {
  ContentBlock b;
  if (const json::value* t = o.if_contains("text"); t != nullptr && t->is_string()) {
    b.type = BlockType::Text;
    b.text = std::string(t->get_string());
    return b;
  }
  if (const json::value* tu = o.if_contains("toolUse"); tu != nullptr && tu->is_object()) {
    const json::object& u = tu->get_object();
    b.type = BlockType::ToolUse;
    b.id = std::string(str_field(u, "toolUseId"));
    b.name = std::string(str_field(u, "name"));
    const json::value* in = u.if_contains("input");
    b.input = in != nullptr && in->is_object() ? *in : json::value(json::object{});
    return b;
  }
  if (const json::value* rc = o.if_contains("reasoningContent"); rc != nullptr && rc->is_object()) {
    const json::object& r = rc->get_object();
    if (const json::value* rt = r.if_contains("reasoningText"); rt != nullptr && rt->is_object()) {
      b.type = BlockType::Thinking;
      b.text = std::string(str_field(rt->get_object(), "text"));
      b.signature = std::string(str_field(rt->get_object(), "signature"));
      return b;
    }
    if (auto data = str_field(r, "redactedContent"); !data.empty()) {
      b.type = BlockType::RedactedThinking;
      b.text = std::string(data);
      return b;
    }
  }
  return std::nullopt;  // citationsContent, guardContent, ...: no canonical form
}

}  // namespace

Result<json::object> encode_converse_body(const ChatRequest& req, const config::Deployment& dep) {
  json::object body;
  if (auto r = encode_messages(req, body); !r) {
    return r.error();
  }
  encode_inference(req, dep, body);
  encode_tools(req, body);
  if (auto r = encode_response_format(req.params.response_format, body); !r) {
    return r.error();
  }
  return body;
}

StopReason converse_stop_reason(std::string_view s) {
  if (s == "end_turn" || s.empty()) {
    return StopReason::EndTurn;
  }
  if (s == "tool_use") {
    return StopReason::ToolUse;
  }
  if (s == "max_tokens" || s == "model_context_window_exceeded") {
    return StopReason::MaxTokens;
  }
  if (s == "stop_sequence") {
    return StopReason::StopSequence;
  }
  if (s == "guardrail_intervened" || s == "content_filtered") {
    return StopReason::Refusal;
  }
  if (s == "malformed_tool_use" || s == "malformed_model_output") {
    return StopReason::Malformed;  // end_turn / stop for both dialects, not tool_use
  }
  // Later additions: the turn is over.
  return StopReason::EndTurn;
}

Usage converse_usage(const json::object& usage) {
  Usage u;
  u.input = count_field(usage, "inputTokens").value_or(0);
  u.output = count_field(usage, "outputTokens").value_or(0);
  u.cache_read = count_field(usage, "cacheReadInputTokens").value_or(0);
  u.cache_write = count_field(usage, "cacheWriteInputTokens").value_or(0);
  return u;
}

Result<ChatResponse> decode_converse_body(std::string_view body) {
  auto malformed = [](std::string what) {
    Error e = make_error(Code::UpstreamError, "upstream answered a malformed Converse body: " + what);
    e.retryable = false;  // the model did the work; asking another would bill twice
    return e;
  };
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return malformed("not a JSON object");
  }
  const json::object& o = v.get_object();
  const json::value* out = o.if_contains("output");
  const json::value* msg = out != nullptr && out->is_object() ? out->get_object().if_contains("message") : nullptr;
  const json::value* content = msg != nullptr && msg->is_object() ? msg->get_object().if_contains("content") : nullptr;
  if (content == nullptr || !content->is_array()) {
    return malformed("output.message.content is missing");
  }
  ChatResponse r;
  for (const auto& c : content->get_array()) {
    if (!c.is_object()) {
      return malformed("a content block is not an object");
    }
    if (auto b = decode_block(c.get_object())) {
      r.content.push_back(std::move(*b));
    }
  }
  r.stop_reason = converse_stop_reason(str_field(o, "stopReason"));
  if (const json::value* amrf = o.if_contains("additionalModelResponseFields"); amrf != nullptr && amrf->is_object()) {
    r.stop_sequence = std::string(str_field(amrf->get_object(), "stop_sequence"));
  }
  if (const json::value* u = o.if_contains("usage"); u != nullptr && u->is_object()) {
    r.usage = converse_usage(u->get_object());
  }
  return r;
}

}  // namespace gw::bedrock
