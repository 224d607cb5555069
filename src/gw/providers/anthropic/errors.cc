// Anthropic error responses -> Error (protocols.md 2.1, 2.8, 3.8).
#include <string>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/anthropic/wire_common.h"

namespace gw::anthropic {

namespace json = boost::json;

Error classify_error(unsigned status, const Headers& headers, std::string_view body,
                     std::string_view provider) {
  std::string message;
  std::string type;
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const json::value* err = v.get_object().if_contains("error"); err != nullptr && err->is_object()) {
      message = std::string(string_field(err->get_object(), "message"));
      type = std::string(string_field(err->get_object(), "type"));
    }
  }
  const std::string where = "provider " + std::string(provider);
  Error e;
  e.provider = std::string(provider);
  e.upstream_status = status;
  e.upstream_type = type;
  if (status == 401 || status == 403) {
    // Our credential, not the client's: never 401 the client (it would think its own key is
    // wrong), and never echo the upstream's text, which may quote part of the key.
    e.code = Code::UpstreamError;
    e.message = where + " rejected the gateway's credentials (HTTP " + std::to_string(status) +
                "); check its api_key";
    e.retryable = false;
    return e;
  }
  e.message = message.empty() ? where + " answered HTTP " + std::to_string(status) : std::move(message);
  if (status == 429) {
    e.code = Code::RateLimited;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(headers);
  } else if (status == 529) {
    e.code = Code::UpstreamOverloaded;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(headers);
  } else if (status == 504 || status == 408) {
    e.code = Code::UpstreamTimeout;
    e.retryable = true;
  } else if (status >= 500) {
    e.code = Code::UpstreamError;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(headers);
  } else {
    e.code = Code::UpstreamRejected;  // the client's request was at fault: pass it on as is
    e.retryable = false;
  }
  return e;
}

}  // namespace gw::anthropic
