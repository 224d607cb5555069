#include "gw/emulate/replies.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gw/common/base64.h"
#include "gw/common/sse.h"

namespace gw::emulate {

namespace json = boost::json;

namespace {

constexpr const char* kWords[] = {"Hello", " from", " the", " Switchyard", " emulator", ".", " This",
                                  " reply", " is", " deterministic", " and", " costs", " nothing",
                                  ",", " so", " demos", " and", " benchmarks", " stay", " offline"};

uint64_t count_bytes(const json::value& v) {
  if (v.is_string()) {
    return v.as_string().size();
  }
  if (v.is_array()) {
    uint64_t n = 0;
    for (const auto& e : v.as_array()) {
      n += count_bytes(e);
    }
    return n;
  }
  if (v.is_object()) {
    uint64_t n = 0;
    for (const auto& kv : v.as_object()) {
      n += count_bytes(kv.value());
    }
    return n;
  }
  return 0;
}

int64_t int_field(const json::object& o, const char* k, int64_t dflt) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : dflt;
}

// `max_tokens` < 0: the request set none.
Script common(const json::object& req, int64_t max_tokens, int64_t reply_tokens) {
  Script s;
  if (auto it = req.find("model"); it != req.end() && it->value().is_string()) {
    s.model = std::string(it->value().as_string());
  }
  if (auto it = req.find("stream"); it != req.end() && it->value().is_bool()) {
    s.stream = it->value().as_bool();
  }
  const int64_t natural = std::clamp<int64_t>(reply_tokens, 1, 1 << 20);
  s.cut = max_tokens >= 0 && max_tokens < natural;
  const int64_t n = s.cut ? std::max<int64_t>(max_tokens, 1) : natural;
  for (int64_t i = 0; i < n; ++i) {
    s.tokens.emplace_back(kWords[i % std::size(kWords)]);
  }
  return s;
}

std::string first_tool(const json::object& req, bool forced) {
  auto it = req.find("tools");
  if (!forced || it == req.end() || !it->value().is_array() || it->value().as_array().empty()) {
    return "";
  }
  const auto& t = it->value().as_array().front();
  if (!t.is_object()) {
    return "";
  }
  if (auto f = t.as_object().find("function"); f != t.as_object().end() && f->value().is_object()) {
    const auto* name = f->value().as_object().if_contains("name");
    return name && name->is_string() ? std::string(name->as_string()) : "";
  }
  const auto* name = t.as_object().if_contains("name");
  return name && name->is_string() ? std::string(name->as_string()) : "";
}

uint64_t output_tokens(const Script& s) { return s.tool_name.empty() ? s.tokens.size() : 8; }

std::string tool_args() { return R"({"query":"switchyard"})"; }

json::object openai_usage(const Script& s) {
  return {{"prompt_tokens", s.input_tokens},
          {"completion_tokens", output_tokens(s)},
          {"total_tokens", s.input_tokens + output_tokens(s)}};
}

std::string text_of(const Script& s) {
  std::string t;
  for (const auto& w : s.tokens) {
    t += w;
  }
  return t;
}

}  // namespace

Script plan_openai(const json::object& req, int64_t reply_tokens) {
  const int64_t max_tokens = int_field(req, "max_completion_tokens", int_field(req, "max_tokens", -1));
  Script s = common(req, max_tokens, reply_tokens);
  if (auto it = req.find("messages"); it != req.end()) {
    s.input_tokens = (count_bytes(it->value()) + 3) / 4 + 1;
  }
  if (const auto* so = req.if_contains("stream_options"); so && so->is_object()) {
    const auto* iu = so->as_object().if_contains("include_usage");
    s.include_usage = iu && iu->is_bool() && iu->as_bool();
  }
  const auto* tc = req.if_contains("tool_choice");
  const bool forced = tc && ((tc->is_string() && tc->as_string() == "required") || tc->is_object());
  s.tool_name = first_tool(req, forced);
  return s;
}

Script plan_anthropic(const json::object& req, int64_t reply_tokens) {
  Script s = common(req, int_field(req, "max_tokens", -1), reply_tokens);
  uint64_t bytes = 0;
  if (auto it = req.find("messages"); it != req.end()) {
    bytes += count_bytes(it->value());
  }
  if (auto it = req.find("system"); it != req.end()) {
    bytes += count_bytes(it->value());
  }
  s.input_tokens = (bytes + 3) / 4 + 1;
  const auto* tc = req.if_contains("tool_choice");
  bool forced = false;
  if (tc && tc->is_object()) {
    const auto* type = tc->as_object().if_contains("type");
    forced = type && type->is_string() && (type->as_string() == "any" || type->as_string() == "tool");
  }
  s.tool_name = first_tool(req, forced);
  return s;
}

std::string openai_response(const Script& s) {
  json::object msg{{"role", "assistant"}, {"content", nullptr}, {"refusal", nullptr}};
  std::string finish = s.cut ? "length" : "stop";
  if (s.tool_name.empty()) {
    msg["content"] = text_of(s);
  } else {
    msg["tool_calls"] = json::array{
        {{"id", "call_emu_1"}, {"type", "function"}, {"function", {{"name", s.tool_name}, {"arguments", tool_args()}}}}};
    finish = "tool_calls";
  }
  json::object o{{"id", "chatcmpl-emu"},
                 {"object", "chat.completion"},
                 {"created", 1764000000},
                 {"model", s.model},
                 {"choices", json::array{{{"index", 0}, {"message", msg}, {"finish_reason", finish}, {"logprobs", nullptr}}}},
                 {"usage", openai_usage(s)}};
  return json::serialize(o);
}

std::vector<std::string> openai_stream(const Script& s) {
  std::vector<std::string> out;
  auto chunk = [&](json::object delta, json::value finish) {
    json::object o{{"id", "chatcmpl-emu"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1764000000},
                   {"model", s.model},
                   {"choices", json::array{{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", finish}}}}};
    if (s.include_usage) {
      o["usage"] = nullptr;
    }
    out.push_back(format_sse("", json::serialize(o)));
  };
  chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  if (s.tool_name.empty()) {
    for (const auto& t : s.tokens) {
      chunk({{"content", t}}, nullptr);
    }
    chunk({}, s.cut ? "length" : "stop");
  } else {
    chunk({{"tool_calls", json::array{{{"index", 0}, {"id", "call_emu_1"}, {"type", "function"},
                                        {"function", {{"name", s.tool_name}, {"arguments", ""}}}}}}},
          nullptr);
    const std::string args = tool_args();
    for (size_t i = 0; i < args.size(); i += 6) {
      chunk({{"tool_calls", json::array{{{"index", 0}, {"function", {{"arguments", args.substr(i, 6)}}}}}}}, nullptr);
    }
    chunk({}, "tool_calls");
  }
  if (s.include_usage) {
    json::object o{{"id", "chatcmpl-emu"}, {"object", "chat.completion.chunk"}, {"created", 1764000000},
                   {"model", s.model},  {"choices", json::array{}},          {"usage", openai_usage(s)}};
    out.push_back(format_sse("", json::serialize(o)));
  }
  out.push_back(format_sse("", "[DONE]"));
  return out;
}

std::string anthropic_response(const Script& s) {
  json::array content;
  std::string stop = s.cut ? "max_tokens" : "end_turn";
  if (s.tool_name.empty()) {
    content.push_back({{"type", "text"}, {"text", text_of(s)}});
  } else {
    content.push_back({{"type", "tool_use"}, {"id", "toolu_emu_1"}, {"name", s.tool_name},
                       {"input", json::parse(tool_args())}});
    stop = "tool_use";
  }
  json::object o{{"id", "msg_emu"},       {"type", "message"},       {"role", "assistant"},
                 {"model", s.model},      {"content", content},      {"stop_reason", stop},
                 {"stop_sequence", nullptr},
                 {"usage", {{"input_tokens", s.input_tokens}, {"output_tokens", output_tokens(s)},
                            {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", 0}}}};
  return json::serialize(o);
}

std::vector<std::string> anthropic_stream(const Script& s) {
  std::vector<std::string> out;
  auto ev = [&](const char* name, json::object o) { out.push_back(format_sse(name, json::serialize(o))); };
  ev("message_start",
     {{"type", "message_start"},
      {"message", {{"id", "msg_emu"}, {"type", "message"}, {"role", "assistant"}, {"model", s.model},
                   {"content", json::array{}}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                   {"usage", {{"input_tokens", s.input_tokens}, {"output_tokens", 1}}}}}});
  ev("ping", {{"type", "ping"}});
  std::string stop = s.cut ? "max_tokens" : "end_turn";
  if (s.tool_name.empty()) {
    ev("content_block_start", {{"type", "content_block_start"}, {"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    for (const auto& t : s.tokens) {
      ev("content_block_delta", {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", t}}}});
    }
  } else {
    stop = "tool_use";
    ev("content_block_start", {{"type", "content_block_start"}, {"index", 0},
                               {"content_block", {{"type", "tool_use"}, {"id", "toolu_emu_1"}, {"name", s.tool_name}, {"input", json::object{}}}}});
    const std::string args = tool_args();
    for (size_t i = 0; i < args.size(); i += 6) {
      ev("content_block_delta", {{"type", "content_block_delta"}, {"index", 0},
                                 {"delta", {{"type", "input_json_delta"}, {"partial_json", args.substr(i, 6)}}}});
    }
  }
  ev("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
  ev("message_delta", {{"type", "message_delta"}, {"delta", {{"stop_reason", stop}, {"stop_sequence", nullptr}}},
                       {"usage", {{"output_tokens", output_tokens(s)}}}});
  ev("message_stop", {{"type", "message_stop"}});
  return out;
}

std::string anthropic_count(const Script& s) {
  return json::serialize(json::object{{"input_tokens", s.input_tokens}});
}

namespace {

// A deterministic unit vector for one input: a 64-bit FNV-1a hash of its JSON text seeds a
// linear congruential generator, so equal inputs embed equally and different ones differ.
std::vector<float> embed(const json::value& input, size_t dims) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : json::serialize(input)) {
    h = (h ^ c) * 1099511628211ull;
  }
  std::vector<float> v(dims);
  double norm = 0;
  for (auto& x : v) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(static_cast<double>(h >> 11) / 9007199254740992.0 - 0.5);
    norm += static_cast<double>(x) * x;
  }
  for (auto& x : v) {
    x = static_cast<float>(x / std::sqrt(norm));
  }
  return v;
}

}  // namespace

std::optional<std::string> openai_embeddings(const json::object& req) {
  const json::value* input = req.if_contains("input");
  if (input == nullptr || input->is_null()) {
    return std::nullopt;
  }
  std::vector<json::value> inputs;
  if (input->is_array() && !input->get_array().empty() && !input->get_array().front().is_number()) {
    inputs.assign(input->get_array().begin(), input->get_array().end());
  } else {
    inputs.push_back(*input);  // a string, or one input as token ids
  }
  size_t dims = 16;
  if (const json::value* d = req.if_contains("dimensions"); d != nullptr && d->is_int64() && d->get_int64() > 0) {
    dims = static_cast<size_t>(std::min<int64_t>(d->get_int64(), 4096));
  }
  const json::value* format = req.if_contains("encoding_format");
  const bool base64 = format != nullptr && format->is_string() && format->get_string() == "base64";
  json::array data;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<float> v = embed(inputs[i], dims);
    json::value embedding;
    if (base64) {
      std::string bytes(v.size() * sizeof(float), '\0');
      std::memcpy(bytes.data(), v.data(), bytes.size());  // x86-64 and arm64 are little-endian
      embedding = json::string(base64_encode(bytes));
    } else {
      json::array floats;
      for (float x : v) {
        floats.push_back(x);
      }
      embedding = std::move(floats);
    }
    data.push_back(json::object{{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  const uint64_t tokens = (count_bytes(*input) + 3) / 4 + 1;
  const json::value* model = req.if_contains("model");
  return json::serialize(json::object{
      {"object", "list"},
      {"data", std::move(data)},
      {"model", model != nullptr && model->is_string() ? model->get_string() : json::string("emulated")},
      {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

}  // namespace gw::emulate
