// Canonical ChatRequest -> Messages API request body (protocols.md 2.2, 2.4, 3.1), for every
// provider that carries Anthropic bodies (BodyOptions says where Bedrock and Vertex differ).
#include <algorithm>
#include <string>
#include <utility>

#include "gw/canonical/tool.h"
#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/anthropic/request_messages.h"

namespace gw::anthropic {

namespace json = boost::json;

namespace {

constexpr int64_t kDefaultMaxTokens = 4096;

// The Messages API wants "type": "object" at the top of every input_schema (protocols.md 2.3);
// OpenAI also takes a schema without it (a tool declared with "parameters": {}), which is one.
json::value input_schema_of(const Tool& t) {
  if (!t.input_schema.is_object()) {
    return json::object{{"type", "object"}, {"properties", json::object{}}};
  }
  json::value schema = t.input_schema;
  if (!schema.get_object().contains("type")) {
    schema.get_object()["type"] = "object";
  }
  return schema;
}

json::array encode_tools(const ChatRequest& req, bool same_dialect) {
  json::array tools;
  for (const auto& t : req.tools) {
    json::object o{{"name", t.name}};
    if (is_server_tool(t)) {
      // web_search_..., bash_...: the client's object as it was (its type is in extra).
      for (const auto& [k, v] : t.extra) {
        o[k] = v;
      }
      tools.push_back(std::move(o));
      continue;
    }
    if (!t.description.empty()) {
      o["description"] = t.description;
    }
    o["input_schema"] = input_schema_of(t);
    if (same_dialect) {
      for (const auto& [k, v] : t.extra) {
        if (!o.contains(k)) {
          o[k] = v;  // cache_control, strict, ...; an OpenAI tool's extras mean nothing here
        }
      }
    }
    tools.push_back(std::move(o));
  }
  return tools;
}

json::value encode_tool_choice(const ChatRequest& req) {
  const ToolChoice& tc = req.tool_choice;
  const bool no_parallel = tc.disable_parallel || req.params.parallel_tool_calls == false;
  json::object o;
  switch (tc.kind) {
    case ToolChoice::Kind::Unset:
      if (!no_parallel) {
        return nullptr;
      }
      o["type"] = "auto";  // parallel_tool_calls:false needs a tool_choice object to ride on
      break;
    case ToolChoice::Kind::Auto: o["type"] = "auto"; break;
    case ToolChoice::Kind::Any: o["type"] = "any"; break;
    case ToolChoice::Kind::None: return json::object{{"type", "none"}};
    case ToolChoice::Kind::Tool:
      o["type"] = "tool";
      o["name"] = tc.name;
      break;
  }
  if (no_parallel) {
    o["disable_parallel_tool_use"] = true;
  }
  return o;
}

// The Messages API has no response_format. Ignoring a JSON mode would hand the client prose where
// it was promised JSON, so json_object and json_schema are refused with a 400 naming the field;
// {"type":"text"} asks for nothing and is dropped.
Result<void> check_response_format(const json::value& rf) {
  if (rf.is_null()) {
    return {};
  }
  if (rf.is_object()) {
    const json::value* type = rf.get_object().if_contains("type");
    if (type != nullptr && type->is_string() && type->get_string() == "text") {
      return {};
    }
  }
  return invalid_field("response_format",
                       "JSON response formats cannot be translated to the Anthropic Messages API");
}

json::array split_betas(std::string_view s) {
  json::array out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.remove_suffix(1);
    }
    if (!part.empty()) {
      out.push_back(json::value(part));
    }
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  }
  return out;
}

void encode_params(const ChatRequest& req, const config::Deployment& dep, bool same, json::object& body) {
  const SamplingParams& p = req.params;
  body["max_tokens"] = p.max_tokens.value_or(dep.max_tokens_default.value_or(kDefaultMaxTokens));
  if (p.temperature.has_value()) {
    body["temperature"] = std::clamp(*p.temperature, 0.0, 1.0);  // OpenAI allows up to 2
  }
  if (p.top_p.has_value()) {
    body["top_p"] = *p.top_p;
  }
  if (p.top_k.has_value()) {
    body["top_k"] = *p.top_k;
  }
  if (!p.stop.empty()) {
    json::array stop;
    for (const auto& s : p.stop) {
      stop.push_back(json::value(s));
    }
    body["stop_sequences"] = std::move(stop);
  }
  json::object metadata;
  if (same) {
    if (const json::value* m = req.passthrough.if_contains("metadata"); m != nullptr && m->is_object()) {
      metadata = m->get_object();
    }
  }
  if (p.user.has_value()) {
    metadata["user_id"] = *p.user;
  }
  if (!metadata.empty()) {
    body["metadata"] = std::move(metadata);
  }
  if (p.thinking.is_object()) {
    body["thinking"] = p.thinking;
  }
}

}  // namespace

Result<json::object> encode_request_body(const ChatRequest& req, const config::Deployment& dep,
                                         const BodyOptions& opts) {
  const bool same = req.source == Dialect::AnthropicMessages;
  if (auto r = check_response_format(req.params.response_format); !r) {
    return r.error();
  }
  json::object body;
  if (opts.include_model) {
    body["model"] = dep.model;
  }
  if (!opts.anthropic_version.empty()) {
    body["anthropic_version"] = opts.anthropic_version;
  }
  if (auto r = encode_messages(req, same, body); !r) {
    return r.error();
  }
  if (!req.tools.empty()) {
    body["tools"] = encode_tools(req, same);
    if (json::value tc = encode_tool_choice(req); !tc.is_null()) {
      body["tool_choice"] = std::move(tc);
    }
  }
  encode_params(req, dep, same, body);
  if (req.stream && opts.include_stream_flag) {
    body["stream"] = true;
  }
  if (opts.betas_in_body && !req.anthropic_beta.empty()) {
    if (json::array betas = split_betas(req.anthropic_beta); !betas.empty()) {
      body["anthropic_beta"] = std::move(betas);
    }
  }
  if (same) {
    // Same-dialect pass-through: fields we do not model (output_config, service_tier, container,
    // ...) reach the upstream as the client wrote them.
    for (const auto& [k, v] : req.passthrough) {
      if (!body.contains(k)) {
        body[k] = v;
      }
    }
  }
  return body;
}

Result<json::object> encode_count_body(const ChatRequest& req, const config::Deployment& dep,
                                       const BodyOptions& opts) {
  BodyOptions o = opts;
  o.include_stream_flag = false;
  auto body = encode_request_body(req, dep, o);
  if (!body) {
    return body.error();
  }
  for (std::string_view k :
       {"max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "stream", "metadata"}) {
    body->erase(k);
  }
  return body;
}

}  // namespace gw::anthropic
