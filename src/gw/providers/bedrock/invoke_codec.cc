// InvokeModel bodies for Anthropic models (protocols.md 4.3): the Messages wire of
// messages_wire.h with Bedrock's changes, and its answers with Bedrock's usage headers.
#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>
#include <string>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

std::optional<uint64_t> header_count(const Headers& h, std::string_view name) {
  const std::string_view s = find_header(h, name);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// The top-level keys Bedrock's InvokeModel takes for Anthropic models (protocols.md 4.3). Bedrock
// refuses every other key with a 400 ("#: extraneous key [service_tier] is not permitted"), which
// the gateway would have to blame on the client and could not fail over. So the rest of what a
// same-dialect request passes through is dropped, as Converse drops it (encode_converse_body
// never reads the pass-through): fields only the Anthropic API has (service_tier, inference_geo,
// container, context_management, mcp_servers, output_format, ...) and unknown ones. service_tier
// is not mapped to X-Amzn-Bedrock-Service-Tier: Anthropic's "auto" / "standard_only" are not
// Bedrock's tiers (default, priority, flex).
constexpr std::string_view kInvokeModelKeys[] = {
    "anthropic_version", "anthropic_beta", "max_tokens", "messages", "system",
    "stop_sequences",    "temperature",    "top_p",      "top_k",    "tools",
    "tool_choice",       "thinking",       "metadata",   "output_config"};

bool invoke_model_takes(std::string_view key) {
  return std::find(std::begin(kInvokeModelKeys), std::end(kInvokeModelKeys), key) !=
         std::end(kInvokeModelKeys);
}

}  // namespace

Result<json::object> encode_invoke_body(const ChatRequest& req, const config::Deployment& dep) {
  anthropic::BodyOptions opts;
  opts.include_model = false;  // the model is in the path
  opts.anthropic_version = std::string(kBedrockAnthropicVersion);
  opts.betas_in_body = true;  // Bedrock ignores the anthropic-beta header
  opts.include_stream_flag = false;  // the operation decides
  auto body = anthropic::encode_request_body(req, dep, opts);
  if (!body) {
    return body.error();
  }
  // Bedrock refuses any metadata key but user_id ("extraneous key [...] is not permitted"). The
  // other keys are the client's bookkeeping for Anthropic, not instructions to the model.
  if (json::value* m = body->if_contains("metadata"); m != nullptr) {
    json::object kept;
    if (m->is_object()) {
      if (const json::value* uid = m->get_object().if_contains("user_id"); uid != nullptr && uid->is_string()) {
        kept["user_id"] = *uid;
      }
    }
    if (kept.empty()) {
      body->erase("metadata");
    } else {
      *m = std::move(kept);
    }
  }
  // Keys InvokeModel does not take are dropped (kInvokeModelKeys), model (it is in the path) and a
  // pass-through copy of the client's stream flag (the operation decides) among them.
  json::object allowed;
  for (auto& [k, v] : *body) {
    if (invoke_model_takes(k)) {
      allowed.emplace(k, std::move(v));
    }
  }
  return allowed;
}

Result<json::object> encode_count_body(const ChatRequest& req, const config::Deployment& dep) {
  auto body = encode_invoke_body(req, dep);
  if (!body) {
    return body.error();
  }
  json::object invoke{{"body", base64_encode(json::serialize(*body))}};
  return json::object{{"input", json::object{{"invokeModel", std::move(invoke)}}}};
}

Result<ChatResponse> decode_invoke_response(const UpstreamResponse& resp) {
  auto r = anthropic::decode_response_body(resp.body);
  if (!r) {
    return r;
  }
  // Bedrock always counts in headers; a body without usage (or an older model's) is billed by them.
  if (r->usage.input == 0 && r->usage.output == 0) {
    if (auto in = header_count(resp.headers, "x-amzn-bedrock-input-token-count")) {
      r->usage.input = *in;
    }
    if (auto out = header_count(resp.headers, "x-amzn-bedrock-output-token-count")) {
      r->usage.output = *out;
    }
  }
  if (r->usage.cache_read == 0) {
    if (auto v = header_count(resp.headers, "x-amzn-bedrock-cache-read-input-token-count")) {
      r->usage.cache_read = *v;
    }
  }
  if (r->usage.cache_write == 0) {
    if (auto v = header_count(resp.headers, "x-amzn-bedrock-cache-write-input-token-count")) {
      r->usage.cache_write = *v;
    }
  }
  return r;
}

}  // namespace gw::bedrock
