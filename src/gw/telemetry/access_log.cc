#include "gw/telemetry/access_log.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace gw {

namespace {

std::mutex& log_mutex() {
  static std::mutex mu;
  return mu;
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

void emit(const boost::json::object& o) {
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  std::lock_guard lock(log_mutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void write_access_log(const AccessLogEntry& e) {
  boost::json::object o;
  o["ts"] = now_rfc3339();
  o["level"] = e.status >= 500 ? "error" : (e.status >= 400 ? "warn" : "info");
  o["msg"] = "request";
  o["request_id"] = e.request_id;
  o["method"] = e.method;
  o["path"] = e.path;
  o["status"] = e.status;
  if (!e.model.empty()) {
    o["model"] = e.model;
  }
  if (!e.provider.empty()) {
    o["provider"] = e.provider;
    o["deployment"] = e.deployment;
  }
  if (!e.key_name.empty()) {
    o["key"] = e.key_name;
  }
  o["attempts"] = e.attempts;
  o["stream"] = e.stream;
  o["latency_ms"] = e.latency_ms;
  if (e.ttft_ms >= 0) {
    o["ttft_ms"] = e.ttft_ms;
  }
  o["input_tokens"] = e.input_tokens;
  o["output_tokens"] = e.output_tokens;
  o["outcome"] = e.outcome;
  if (!e.error.empty()) {
    o["error"] = e.error;
  }
  emit(o);
}

void log_event(const std::string& event, const std::string& detail) {
  boost::json::object o;
  o["ts"] = now_rfc3339();
  o["level"] = "info";
  o["msg"] = event;
  if (!detail.empty()) {
    o["detail"] = detail;
  }
  emit(o);
}

}  // namespace gw
