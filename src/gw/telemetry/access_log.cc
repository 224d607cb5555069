#include "gw/telemetry/access_log.h"

#include <charconv>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "gw/common/json_util.h"
#include "gw/common/log_sink.h"
#include "gw/common/utf8.h"

namespace gw {

namespace {

// A field longer than this is cut: a line stays a few KiB however large the request.
constexpr size_t kMaxFieldBytes = 1024;

// At most kMaxFieldBytes of `s` as a JSON string, never cut inside a UTF-8 sequence.
void append_field_string(std::string& out, std::string_view s) {
  append_json_string(out, utf8_prefix(s, kMaxFieldBytes));
}

// "2026-11-27T01:20:21.094Z". The date-time part is formatted once per second per thread.
void append_rfc3339(std::string& out, int64_t ms) {
  thread_local int64_t cached_sec = -1;
  thread_local char cached[24];
  const int64_t sec = ms / 1000;
  if (sec != cached_sec) {
    const auto t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    fmt::format_to_n(cached, sizeof cached, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_sec = sec;
  }
  out.push_back('"');
  out.append(cached, 19);
  const int milli = static_cast<int>(ms % 1000);
  const char frac[] = {'.', static_cast<char>('0' + milli / 100), static_cast<char>('0' + milli / 10 % 10),
                       static_cast<char>('0' + milli % 10), 'Z', '"'};
  out.append(frac, sizeof frac);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void key(std::string& out, std::string_view k) {
  out.push_back(',');
  out.push_back('"');
  out.append(k);
  out.append("\":");
}

void field(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  append_field_string(out, v);
}

template <typename Int>
void number_field(std::string& out, std::string_view k, Int v) {
  key(out, k);
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace

void format_access_log(const AccessLogEntry& e, int64_t ts_ms, std::string& out) {
  out += "{\"ts\":";
  append_rfc3339(out, ts_ms);
  field(out, "level", e.status >= 500 ? "error" : (e.status >= 400 ? "warn" : "info"));
  field(out, "msg", "request");
  field(out, "request_id", e.request_id);
  field(out, "method", e.method);
  field(out, "path", e.path);
  number_field(out, "status", e.status);
  if (!e.model.empty()) {
    field(out, "model", e.model);
  }
  if (!e.provider.empty()) {
    field(out, "provider", e.provider);
    field(out, "deployment", e.deployment);
  }
  if (!e.key_name.empty()) {
    field(out, "key", e.key_name);
  }
  number_field(out, "attempts", e.attempts);
  key(out, "stream");
  out += e.stream ? "true" : "false";
  number_field(out, "latency_ms", e.latency_ms);
  if (e.ttft_ms >= 0) {
    number_field(out, "ttft_ms", e.ttft_ms);
  }
  number_field(out, "input_tokens", e.input_tokens);
  if (e.cache_read_tokens != 0) {
    number_field(out, "cache_read_tokens", e.cache_read_tokens);
  }
  if (e.cache_write_tokens != 0) {
    number_field(out, "cache_write_tokens", e.cache_write_tokens);
  }
  number_field(out, "output_tokens", e.output_tokens);
  field(out, "outcome", e.outcome);
  if (!e.error.empty()) {
    field(out, "error", e.error);
  }
  out += "}\n";
}

void write_access_log(const AccessLogEntry& e) {
  thread_local std::string line;
  line.clear();
  format_access_log(e, now_ms(), line);
  log_sink::append(line);
}

void log_event(const std::string& event, const std::string& detail) {
  std::string line = "{\"ts\":";
  append_rfc3339(line, now_ms());
  field(line, "level", "info");
  field(line, "msg", event);
  if (!detail.empty()) {
    field(line, "detail", detail);
  }
  line += "}\n";
  log_sink::append(line);
  log_sink::flush();  // lifecycle events are rare and awaited by operators: at once
}

}  // namespace gw
