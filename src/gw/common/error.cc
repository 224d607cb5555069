#include "gw/common/error.h"

#include <utility>

namespace gw {

unsigned Error::http_status() const {
  switch (code) {
    case Code::InvalidRequest: return 400;
    case Code::Unauthenticated: return 401;
    case Code::PermissionDenied: return 403;
    case Code::NotFound:
    case Code::ModelNotFound: return 404;
    case Code::PayloadTooLarge: return 413;
    case Code::RateLimited:
    case Code::BudgetExceeded: return 429;
    case Code::UpstreamOverloaded: return 529;  // OpenAI dialect renders 503 (protocols 3.8)
    case Code::UpstreamTimeout: return 504;
    case Code::UpstreamUnavailable: return 503;
    case Code::UpstreamError: return 502;
    case Code::UpstreamRejected: return upstream_status >= 400 && upstream_status < 500 ? upstream_status : 400;
    case Code::Internal: return 500;
    case Code::Unavailable: return 503;
  }
  return 500;
}

std::string_view Error::code_name() const {
  switch (code) {
    case Code::InvalidRequest: return "invalid_request";
    case Code::Unauthenticated: return "unauthenticated";
    case Code::PermissionDenied: return "permission_denied";
    case Code::NotFound:
    case Code::ModelNotFound: return "not_found";
    case Code::PayloadTooLarge: return "payload_too_large";
    case Code::RateLimited: return "rate_limited";
    case Code::BudgetExceeded: return "budget_exceeded";
    case Code::UpstreamOverloaded: return "upstream_overloaded";
    case Code::UpstreamTimeout: return "upstream_timeout";
    case Code::UpstreamUnavailable: return "upstream_unavailable";
    case Code::UpstreamError: return "upstream_error";
    case Code::UpstreamRejected: return "upstream_rejected";
    case Code::Internal: return "internal";
    case Code::Unavailable: return "unavailable";
  }
  return "internal";
}

Error make_error(Code code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

Error invalid_field(std::string_view field, std::string_view what) {
  Error e = make_error(Code::InvalidRequest, std::string(field) + ": " + std::string(what));
  e.param = std::string(field);
  return e;
}

}  // namespace gw
