// OpenAI / Azure OpenAI error responses -> Error (protocols.md 1.1, 1.7, 3.8, 6.1).
#include <string>

#include "gw/providers/openai/openai_codec.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

// Azure's innererror (the content filter's verdict per category) is a few hundred bytes; a larger
// one is not passed on.
constexpr size_t kMaxDetailBytes = 16 << 10;

std::string scalar_text(const json::value* v) {
  if (v == nullptr) {
    return {};
  }
  if (v->is_string()) {
    return std::string(v->get_string());
  }
  if (v->is_int64() || v->is_uint64()) {
    return json::serialize(*v);  // Azure sends "code": 429 as a number at times
  }
  return {};
}

}  // namespace

Error classify_chat_error(unsigned status, const Headers& headers, std::string_view body,
                          std::string_view provider) {
  std::string message;
  std::string type;
  std::string param;
  std::string code;
  std::string detail;
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const json::value* err = v.get_object().if_contains("error");
    if (err != nullptr && err->is_object()) {
      const auto& e = err->get_object();
      message = scalar_text(e.if_contains("message"));
      type = scalar_text(e.if_contains("type"));
      code = scalar_text(e.if_contains("code"));
      if (type.empty()) {
        type = code;
      }
      param = scalar_text(e.if_contains("param"));
      if (const json::value* inner = e.if_contains("innererror"); inner != nullptr && inner->is_object()) {
        detail = json::serialize(*inner);
      }
    }
  }
  const std::string where = "provider " + std::string(provider);
  if (message.empty()) {
    message = where + " answered HTTP " + std::to_string(status);
  }

  Error e;
  e.provider = std::string(provider);
  e.upstream_status = status;
  e.upstream_type = type;
  if (status == 401 || status == 403) {
    // Our credential, not the client's: never 401 the client, never echo the upstream's text
    // (OpenAI's message quotes part of the key).
    e.code = Code::UpstreamError;
    e.message = where + " rejected the gateway's credentials";
    e.retryable = false;
    e.upstream_type.clear();
    return e;
  }
  e.message = std::move(message);
  if (status == 429) {
    e.code = Code::RateLimited;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(headers);
  } else if (status == 408 || status == 504) {
    // A gateway timeout (Azure's front door, a proxy before vLLM) is a timeout for the client
    // too (protocols.md 3.8), as the anthropic, bedrock and vertex providers classify it.
    e.code = Code::UpstreamTimeout;
    e.retryable = true;
  } else if (status == 503) {
    e.code = Code::UpstreamOverloaded;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(headers);
  } else if (status >= 500) {
    e.code = Code::UpstreamError;
    e.retryable = true;
  } else {
    e.code = Code::UpstreamRejected;  // the client's request was at fault: pass it on as is
    e.retryable = false;
    e.param = std::move(param);
    // Azure's content filter: code "content_filter", innererror {"code":
    // "ResponsibleAIPolicyViolation", "content_filter_result": {...}} (protocols.md 6.1), which
    // is how a client tells a filtered prompt from any other 400.
    e.upstream_code = std::move(code);
    if (detail.size() <= kMaxDetailBytes) {
      e.upstream_detail = std::move(detail);
    }
  }
  return e;
}

}  // namespace gw::openai
