// Vertex error answers -> Error (protocols.md 3.8, 5.3). Two shapes arrive on the same endpoint:
// Google's ({"error":{"code","message","status"}}, sometimes wrapped in a one-element array) for
// the platform (auth, quota, model not enabled), and Anthropic's for the model itself.
#include <charconv>
#include <string>

#include <boost/json.hpp>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/vertex/vertex_codec.h"

namespace gw::vertex {

namespace json = boost::json;

namespace {

constexpr size_t kMaxMessageBytes = 1000;

struct GoogleError {
  unsigned code = 0;   // error.code, the HTTP status Google meant
  std::string status;  // error.status, e.g. "RESOURCE_EXHAUSTED"
  std::string message;
  std::optional<int64_t> retry_delay_s;  // google.rpc.RetryInfo in error.details
};

std::string_view str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// "30s" / "1.5s" (a google.protobuf.Duration in JSON) -> whole seconds, rounded up.
std::optional<int64_t> duration_s(std::string_view d) {
  if (d.size() < 2 || d.back() != 's') {
    return std::nullopt;
  }
  d.remove_suffix(1);
  const size_t dot = d.find('.');
  int64_t whole = 0;
  const std::string_view int_part = d.substr(0, dot);
  auto [p, ec] = std::from_chars(int_part.data(), int_part.data() + int_part.size(), whole);
  if (int_part.empty() || ec != std::errc() || p != int_part.data() + int_part.size() ||
      whole < 0) {
    return std::nullopt;
  }
  if (dot != std::string_view::npos &&
      d.find_first_not_of('0', dot + 1) != std::string_view::npos) {
    ++whole;
  }
  return whole;
}

std::optional<int64_t> retry_delay(const json::object& err) {
  const json::value* details = err.if_contains("details");
  if (details == nullptr || !details->is_array()) {
    return std::nullopt;
  }
  for (const json::value& d : details->get_array()) {
    if (d.is_object() && str(d.get_object(), "@type").ends_with("google.rpc.RetryInfo")) {
      return duration_s(str(d.get_object(), "retryDelay"));
    }
  }
  return std::nullopt;
}

// The Google shape, as an object or as the first element of an array; nullopt for anything
// else (an Anthropic-shaped body has "type":"error" and a string error.type instead).
std::optional<GoogleError> google_error(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return std::nullopt;
  }
  if (v.is_array() && !v.get_array().empty()) {
    json::value first = v.get_array()[0];
    v = std::move(first);
  }
  if (!v.is_object()) {
    return std::nullopt;
  }
  const json::value* err = v.get_object().if_contains("error");
  if (err == nullptr || !err->is_object()) {
    return std::nullopt;
  }
  const json::object& e = err->get_object();
  const json::value* code = e.if_contains("code");
  const bool has_code = code != nullptr && (code->is_int64() || code->is_uint64());
  if (!e.contains("status") && !has_code) {
    return std::nullopt;
  }
  GoogleError g;
  if (has_code) {
    const int64_t c = code->is_int64() ? code->get_int64() : int64_t(code->get_uint64() & 0xffff);
    g.code = c > 0 && c < 1000 ? unsigned(c) : 0;
  }
  g.status = std::string(str(e, "status"));
  g.message = std::string(str(e, "message").substr(0, kMaxMessageBytes));
  g.retry_delay_s = retry_delay(e);
  return g;
}

Error credentials_rejected(unsigned status,
                           std::string_view google_status,
                           std::string_view provider) {
  Error e;
  e.code = Code::UpstreamError;  // ours, not the client's: never a 401/403 to the client
  e.retryable = false;
  e.provider = std::string(provider);
  e.upstream_status = status;
  e.upstream_type = std::string(google_status);
  const std::string label = "HTTP " + std::to_string(status) +
                            (google_status.empty() ? "" : " " + std::string(google_status));
  if (status == 403 || google_status == "PERMISSION_DENIED") {
    e.message = "provider " + std::string(provider) + " was denied by Vertex AI (" + label +
                "); check that its service account (credentials_file) may use Vertex AI in the "
                "configured project and region";
  } else {
    e.message = "provider " + std::string(provider) + " rejected the gateway's credentials (" +
                label + "); check its credentials_file service account";
  }
  return e;
}

}  // namespace

Error classify_error(const UpstreamResponse& resp, std::string_view provider) {
  const std::optional<GoogleError> g = google_error(resp.body);
  const std::string_view gstatus = g ? std::string_view(g->status) : std::string_view();
  if (resp.status == 401 || resp.status == 403 || gstatus == "UNAUTHENTICATED" ||
      gstatus == "PERMISSION_DENIED") {
    return credentials_rejected(resp.status, gstatus, provider);
  }
  if (!g) {
    // The model's own errors (overloaded_error, rate_limit_error, invalid_request_error), or a
    // body of no known shape: the Anthropic rules by HTTP status apply.
    return anthropic::classify_error(resp.status, resp.headers, resp.body, provider);
  }
  Error e;
  e.provider = std::string(provider);
  e.upstream_status = resp.status;
  e.upstream_type = g->status;
  e.message = g->message.empty()
                  ? "provider " + std::string(provider) + " answered HTTP " +
                        std::to_string(resp.status) + (gstatus.empty() ? "" : " " + g->status)
                  : g->message;
  const unsigned status = resp.status;
  if (gstatus == "RESOURCE_EXHAUSTED" || (gstatus.empty() && status == 429)) {
    e.code = Code::RateLimited;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(resp.headers);
    if (!e.retry_after_s) {
      e.retry_after_s = g->retry_delay_s;
    }
  } else if (gstatus == "UNAVAILABLE" || (gstatus.empty() && status == 503)) {
    e.code = Code::UpstreamOverloaded;
    e.retryable = true;
    e.retry_after_s = retry_after_seconds(resp.headers);
  } else if (gstatus == "DEADLINE_EXCEEDED" ||
             (gstatus.empty() && (status == 504 || status == 408))) {
    e.code = Code::UpstreamTimeout;
    e.retryable = true;
  } else if (gstatus == "FAILED_PRECONDITION") {
    // Google's FAILED_PRECONDITION speaks of the state of the project, not of the request (a bad
    // request is INVALID_ARGUMENT, or the model's own Anthropic-shaped invalid_request_error):
    // the publisher model not enabled for the project ("Project `p` is not allowed to use
    // Publisher Model ..."), or not offered in the region or to the project's billing. The
    // client can do nothing about it, so, like a 403 or a 404 there, it is the deployment's
    // fault: failover tries the next one, and when none is left the client gets a 502 naming the
    // provider (protocols.md 5.3), not a 400 blaming its request.
    e.code = Code::UpstreamError;
    e.retryable = false;
    e.message = "provider " + std::string(provider) +
                " cannot use its model in its project and region (Vertex AI answered HTTP " +
                std::to_string(status) + " FAILED_PRECONDITION)" +
                (g->message.empty() ? std::string() : ": " + g->message);
  } else if (gstatus == "INTERNAL" || gstatus == "UNKNOWN" || gstatus == "ABORTED" ||
             gstatus == "DATA_LOSS" || status >= 500) {
    e.code = Code::UpstreamError;
    e.retryable = true;
  } else {
    // INVALID_ARGUMENT, OUT_OF_RANGE (400): the request is at fault; NOT_FOUND (404): the
    // deployment (failed over, pipeline.cc); passed on with the upstream's 4xx status.
    e.code = Code::UpstreamRejected;
    e.retryable = false;
    if (status < 400 || status >= 500) {
      e.upstream_status = g->code >= 400 && g->code < 500 ? g->code : 400;
    }
  }
  return e;
}

}  // namespace gw::vertex
