// OpenAI Chat Completions request body -> canonical ChatRequest (protocols.md 1.2-1.4, 3.2).
// Every type error names the offending field, so a client sees e.g. "messages[2].content: ...".
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "gw/canonical/json_fields.h"
#include "gw/dialects/openai_chat/content_parse.h"
#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

// Top-level fields the canonical model holds; everything else survives in passthrough.
bool is_modelled_field(std::string_view k) {
  return k == "model" || k == "messages" || k == "stream" || k == "stream_options" ||
         k == "max_tokens" || k == "max_completion_tokens" || k == "temperature" ||
         k == "top_p" || k == "stop" || k == "user" || k == "tools" || k == "tool_choice" ||
         k == "parallel_tool_calls" || k == "response_format" || k == "n";
}

Result<std::optional<bool>> opt_bool(const json::object& o, std::string_view key,
                                     std::string_view field) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::optional<bool>{};
  }
  if (!v->is_bool()) {
    return invalid_field(field, "must be a boolean");
  }
  return std::optional<bool>{v->get_bool()};
}

Result<std::vector<std::string>> parse_stop(const json::value& v) {
  std::vector<std::string> out;
  if (v.is_null()) {
    return out;
  }
  if (v.is_string()) {
    out.emplace_back(v.get_string());
    return out;
  }
  if (!v.is_array()) {
    return invalid_field("stop", "must be a string or an array of strings");
  }
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    const auto& s = v.get_array()[i];
    if (!s.is_string()) {
      return invalid_field("stop[" + std::to_string(i) + "]", "must be a string");
    }
    out.emplace_back(s.get_string());
  }
  return out;
}

Result<Tool> parse_tool(const json::value& v, size_t i) {
  const std::string at = "tools[" + std::to_string(i) + "]";
  if (!v.is_object()) {
    return invalid_field(at, "must be an object");
  }
  const auto& o = v.get_object();
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string() || type->get_string() != "function") {
    return invalid_field(at + ".type", "only tools of type \"function\" are supported");
  }
  const json::value* fn = o.if_contains("function");
  if (fn == nullptr || !fn->is_object()) {
    return invalid_field(at + ".function", "must be an object");
  }
  const auto& f = fn->get_object();
  Tool t;
  const json::value* name = f.if_contains("name");
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return invalid_field(at + ".function.name", "must be a non-empty string");
  }
  t.name = std::string(name->get_string());
  for (const auto& [k, val] : f) {
    if (k == "name") {
      continue;
    }
    if (k == "description") {
      if (!val.is_string() && !val.is_null()) {
        return invalid_field(at + ".function.description", "must be a string");
      }
      t.description = val.is_string() ? std::string(val.get_string()) : std::string();
    } else if (k == "parameters") {
      if (!val.is_object() && !val.is_null()) {
        return invalid_field(at + ".function.parameters", "must be a JSON Schema object");
      }
      t.input_schema = val;
    } else {
      t.extra[k] = val;  // strict, and whatever OpenAI adds next
    }
  }
  if (t.input_schema.is_null()) {
    // Omitted parameters mean "no arguments" (protocols.md 1.4); every upstream accepts this.
    t.input_schema = json::object{{"type", "object"}, {"properties", json::object{}}};
  }
  return t;
}

Result<ToolChoice> parse_tool_choice(const json::value& v, json::object& passthrough) {
  ToolChoice tc;
  if (v.is_null()) {
    return tc;
  }
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (s == "auto") {
      tc.kind = ToolChoice::Kind::Auto;
    } else if (s == "required") {
      tc.kind = ToolChoice::Kind::Any;
    } else if (s == "none") {
      tc.kind = ToolChoice::Kind::None;
    } else {
      return invalid_field("tool_choice", "must be \"none\", \"auto\", \"required\" or an object");
    }
    return tc;
  }
  if (!v.is_object()) {
    return invalid_field("tool_choice", "must be a string or an object");
  }
  const auto& o = v.get_object();
  const json::value* type = o.if_contains("type");
  std::string_view t = type != nullptr && type->is_string() ? std::string_view(type->get_string())
                                                             : std::string_view();
  if (t == "function") {
    const json::value* fn = o.if_contains("function");
    const json::value* name = fn != nullptr && fn->is_object() ? fn->get_object().if_contains("name")
                                                               : nullptr;
    if (name == nullptr || !name->is_string()) {
      return invalid_field("tool_choice.function.name", "must be a string");
    }
    tc.kind = ToolChoice::Kind::Tool;
    tc.name = std::string(name->get_string());
    return tc;
  }
  if (t == "allowed_tools") {
    const json::value* at = o.if_contains("allowed_tools");
    const json::value* mode = at != nullptr && at->is_object()
                                  ? at->get_object().if_contains("mode")
                                  : nullptr;
    if (mode == nullptr || !mode->is_string() ||
        (mode->get_string() != "auto" && mode->get_string() != "required")) {
      return invalid_field("tool_choice.allowed_tools.mode", "must be \"auto\" or \"required\"");
    }
    // The canonical model has no tool subset: other wires get the mode, an OpenAI upstream gets
    // the original object back from passthrough.
    tc.kind = mode->get_string() == "auto" ? ToolChoice::Kind::Auto : ToolChoice::Kind::Any;
    passthrough["tool_choice"] = v;
    return tc;
  }
  return invalid_field("tool_choice.type", "must be \"function\" or \"allowed_tools\"");
}

// A token limit must not be negative: admission adds it to the input estimate as unsigned, where a
// negative value wraps into a tiny tpm reservation (and OpenAI itself answers 400).
Result<std::optional<int64_t>> opt_non_negative_int(const json::object& o, std::string_view key) {
  auto v = opt_int(o, key);
  if (v && v->has_value() && **v < 0) {
    return invalid_field(key, "must be a non-negative integer");
  }
  return v;
}

Result<ChatRequest> parse_object(const json::object& o) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;

  const json::value* model = o.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    return invalid_field("model", "is required and must be a non-empty string");
  }
  req.model = std::string(model->get_string());

  if (auto n = opt_int(o, "n"); !n) {
    return n.error();
  } else if (n->has_value() && **n != 1) {
    return invalid_field("n", "only n=1 is supported");
  }

  const json::value* msgs = o.if_contains("messages");
  if (msgs == nullptr || !msgs->is_array() || msgs->get_array().empty()) {
    return invalid_field("messages", "is required and must be a non-empty array");
  }
  const auto& arr = msgs->get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    auto m = parse_message(arr[i], "messages[" + std::to_string(i) + "]");
    if (!m) {
      return m.error();
    }
    req.messages.push_back(std::move(*m));
  }

  auto stream = opt_bool(o, "stream", "stream");
  if (!stream) {
    return stream.error();
  }
  req.stream = stream->value_or(false);
  if (const json::value* so = o.if_contains("stream_options"); so != nullptr && !so->is_null()) {
    if (!so->is_object()) {
      return invalid_field("stream_options", "must be an object");
    }
    auto iu = opt_bool(so->get_object(), "include_usage", "stream_options.include_usage");
    if (!iu) {
      return iu.error();
    }
    req.include_usage = req.stream && iu->value_or(false);
  }

  auto mct = opt_non_negative_int(o, "max_completion_tokens");
  if (!mct) {
    return mct.error();
  }
  auto mt = opt_non_negative_int(o, "max_tokens");
  if (!mt) {
    return mt.error();
  }
  req.params.max_tokens = mct->has_value() ? *mct : *mt;
  if (mct->has_value()) {
    // Remembered so that an OpenAI upstream gets the field the client chose (reasoning models
    // reject max_tokens).
    req.passthrough["max_completion_tokens"] = **mct;
  }
  auto temperature = opt_number(o, "temperature");
  if (!temperature) {
    return temperature.error();
  }
  req.params.temperature = *temperature;
  auto top_p = opt_number(o, "top_p");
  if (!top_p) {
    return top_p.error();
  }
  req.params.top_p = *top_p;
  if (const json::value* stop = o.if_contains("stop"); stop != nullptr) {
    auto s = parse_stop(*stop);
    if (!s) {
      return s.error();
    }
    req.params.stop = std::move(*s);
  }
  if (const json::value* user = o.if_contains("user"); user != nullptr && !user->is_null()) {
    if (!user->is_string()) {
      return invalid_field("user", "must be a string");
    }
    req.params.user = std::string(user->get_string());
  }
  auto ptc = opt_bool(o, "parallel_tool_calls", "parallel_tool_calls");
  if (!ptc) {
    return ptc.error();
  }
  req.params.parallel_tool_calls = *ptc;
  if (const json::value* rf = o.if_contains("response_format"); rf != nullptr && !rf->is_null()) {
    if (!rf->is_object()) {
      return invalid_field("response_format", "must be an object");
    }
    req.params.response_format = *rf;
  }

  if (const json::value* tools = o.if_contains("tools"); tools != nullptr && !tools->is_null()) {
    if (!tools->is_array()) {
      return invalid_field("tools", "must be an array");
    }
    for (size_t i = 0; i < tools->get_array().size(); ++i) {
      auto t = parse_tool(tools->get_array()[i], i);
      if (!t) {
        return t.error();
      }
      req.tools.push_back(std::move(*t));
    }
  }
  if (const json::value* tc = o.if_contains("tool_choice"); tc != nullptr) {
    auto choice = parse_tool_choice(*tc, req.passthrough);
    if (!choice) {
      return choice.error();
    }
    req.tool_choice = std::move(*choice);
  }
  if (req.params.parallel_tool_calls.has_value()) {
    req.tool_choice.disable_parallel = !*req.params.parallel_tool_calls;
  }

  for (const auto& [k, v] : o) {
    if (!is_modelled_field(k)) {
      req.passthrough[k] = v;
    }
  }
  return req;
}

}  // namespace

Result<ChatRequest> parse_chat_request(std::string_view body) {
  auto v = parse_request_object(body);
  if (!v) {
    return v.error();
  }
  return parse_object(v->get_object());
}

}  // namespace gw::openai
