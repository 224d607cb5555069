// Bedrock errors (protocols.md 4.7): the AWS error name decides, the status is the fallback.
// Credential failures never echo AWS's text: an InvalidSignatureException quotes the canonical
// request, which carries the session token.
#include <algorithm>
#include <array>
#include <string>

#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

std::string_view str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Names compared case-insensitively: HTTP errors say "ThrottlingException", stream exception
// frames "throttlingException".
bool is(std::string_view name, std::string_view want) { return lower(name) == lower(want); }

bool is_credential_error(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kAuth = {
      "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException",
      "ExpiredTokenException",       "MissingAuthenticationTokenException", "AccessDeniedException",
      "InvalidClientTokenId"};
  return std::any_of(kAuth.begin(), kAuth.end(), [&](std::string_view a) { return is(name, a); });
}

// Fills code and retryable from the AWS name, with `status` (0 in a stream) as the fallback.
void apply_kind(Error& e, std::string_view name, unsigned status) {
  if (is(name, "ThrottlingException") || is(name, "ServiceQuotaExceededException") ||
      is(name, "TooManyRequestsException") || (name.empty() && status == 429)) {
    e.code = Code::RateLimited;
    e.retryable = true;
  } else if (is(name, "ServiceUnavailableException") || is(name, "ModelNotReadyException")) {
    e.code = Code::UpstreamOverloaded;
    e.retryable = true;
  } else if (is(name, "ModelTimeoutException") || status == 408 || status == 504) {
    e.code = Code::UpstreamTimeout;
    e.retryable = true;
  } else if (is(name, "ValidationException") || is(name, "ConflictException") ||
             is(name, "ResourceNotFoundException")) {
    e.code = Code::UpstreamRejected;  // the request itself is at fault: another deployment agrees
    e.retryable = false;
  } else if (is(name, "InternalServerException") || is(name, "ModelErrorException") ||
             is(name, "ModelStreamErrorException") || status >= 500 || status == 0 || status == 424) {
    e.code = Code::UpstreamError;
    e.retryable = true;
  } else if (status == 429) {
    e.code = Code::RateLimited;
    e.retryable = true;
  } else {
    e.code = Code::UpstreamRejected;
    e.retryable = false;
  }
}

}  // namespace

std::string aws_error_name(const Headers& headers, const json::object* body) {
  std::string_view raw = find_header(headers, "x-amzn-errortype");
  if (raw.empty() && body != nullptr) {
    raw = str_field(*body, "code");
    if (raw.empty()) {
      raw = str_field(*body, "__type");
    }
  }
  raw = raw.substr(0, raw.find_first_of(":,"));
  if (size_t hash = raw.find('#'); hash != std::string_view::npos) {
    raw = raw.substr(hash + 1);
  }
  while (!raw.empty() && raw.back() == ' ') {
    raw.remove_suffix(1);
  }
  return std::string(raw);
}

Error classify_error(const UpstreamResponse& resp, std::string_view provider) {
  json::error_code ec;
  json::value v = json::parse(resp.body, ec);
  const json::object* body = !ec && v.is_object() ? &v.get_object() : nullptr;
  const std::string name = aws_error_name(resp.headers, body);
  std::string_view message;
  if (body != nullptr) {
    message = str_field(*body, "message");
    if (message.empty()) {
      message = str_field(*body, "Message");
    }
  }

  Error e;
  e.provider = std::string(provider);
  e.upstream_status = resp.status;
  e.upstream_type = name;
  if (is_credential_error(name) || resp.status == 401 || resp.status == 403) {
    e.code = Code::UpstreamError;
    e.retryable = false;
    e.message = "provider " + std::string(provider) + " rejected the gateway's AWS credentials" +
                (name.empty() ? std::string() : " (" + name + ")") +
                "; check its access_key_id, secret_access_key, session_token and IAM access to the model";
    return e;
  }
  apply_kind(e, name, resp.status);
  if (e.code == Code::RateLimited || e.code == Code::UpstreamOverloaded) {
    e.retry_after_s = retry_after_seconds(resp.headers);
  }
  if (e.code == Code::UpstreamRejected && resp.status >= 400 && resp.status < 500) {
    // ValidationException and friends pass through with AWS's own explanation.
    e.message = message.empty() ? "provider " + std::string(provider) + " rejected the request" : std::string(message);
    return e;
  }
  e.message = "provider " + std::string(provider) + " answered HTTP " + std::to_string(resp.status) +
              (name.empty() ? std::string() : " " + name) +
              (message.empty() ? std::string() : ": " + std::string(message));
  return e;
}

Error stream_exception(std::string_view type, std::string_view message, std::string_view provider) {
  Error e;
  e.provider = std::string(provider);
  e.upstream_type = std::string(type);
  if (is_credential_error(type)) {
    e.code = Code::UpstreamError;
    e.retryable = false;
    e.message = "provider " + std::string(provider) + " rejected the gateway's AWS credentials";
    return e;
  }
  apply_kind(e, type, 0);
  if (e.code == Code::UpstreamRejected) {
    e.upstream_status = 400;  // a validationException frame: what HTTP would have said
  }
  e.message = "upstream stream failed: " + (type.empty() ? std::string("error") : std::string(type)) +
              (message.empty() ? std::string() : ": " + std::string(message));
  return e;
}

}  // namespace gw::bedrock
