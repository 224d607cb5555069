#pragma once
// One error type for the whole data plane. Every mapping from a Code to an HTTP status lives in
// error.cc; each client dialect only decides how an Error is shaped on its wire.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw {

enum class Code {
  InvalidRequest,     // 400: the client's request is malformed or cannot be translated
  Unauthenticated,    // 401: missing or unknown virtual key
  PermissionDenied,   // 403: key may not use this model
  NotFound,           // 404: unknown route, key, ...
  ModelNotFound,      // 404: no model by the name the client asked for
  PayloadTooLarge,    // 413
  RateLimited,        // 429: a limit or a budget of ours, or the upstream's (see retryable)
  BudgetExceeded,     // 429: the key's budget for the period is spent
  UpstreamOverloaded, // 529 (Anthropic) / 503 (OpenAI)
  UpstreamTimeout,    // 504
  UpstreamUnavailable,// 503: every deployment is cooling down or at capacity
  UpstreamError,      // 502: upstream failed (5xx, connection, protocol) or rejected our credential
  UpstreamRejected,   // 4xx from the upstream that the client caused: passed through as is
  Internal,           // 500: a bug of ours
  Unavailable,        // 503: the gateway is draining
};

struct Error {
  Code code = Code::Internal;
  std::string message;           // safe to show the client: never a secret
  bool retryable = false;        // may failover try another deployment?
  unsigned upstream_status = 0;  // status the upstream answered, 0 if none
  bool request_sent = false;     // the request reached the upstream, which may have acted on it
  std::string provider;          // provider config name, when the error came from one
  std::string upstream_type;     // the upstream's own error type, e.g. "overloaded_error"
  // An OpenAI-shaped upstream's error.code ("content_filter", "context_length_exceeded") and the
  // details it attached (Azure's innererror, as JSON text) on a rejection passed on as is
  // (UpstreamRejected): OpenAI clients get both as the upstream sent them (protocols.md 6.1).
  std::string upstream_code;
  std::string upstream_detail;
  std::optional<int64_t> retry_after_s;  // from the upstream or from our limiter
  std::string param;             // the request field at fault, if any

  // The HTTP status the client sees (one mapping for every dialect).
  unsigned http_status() const;
  // A stable short name ("invalid_request", "rate_limited", ...) for logs and metrics.
  std::string_view code_name() const;
};

Error make_error(Code code, std::string message);
// An error caused by the request body: names the offending field.
Error invalid_field(std::string_view field, std::string_view what);

}  // namespace gw
