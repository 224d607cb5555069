#pragma once
// One JSON line per request on stderr (contract.md). Never holds a secret: only key names.
#include <cstdint>
#include <string>

namespace gw {

struct AccessLogEntry {
  std::string request_id;
  std::string method;
  std::string path;
  unsigned status = 0;
  std::string model;
  std::string provider;
  std::string deployment;
  std::string key_name;
  int attempts = 0;
  bool stream = false;
  int64_t latency_ms = 0;
  int64_t ttft_ms = -1;
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
  std::string outcome;  // "ok" or an error code name
  std::string error;    // client-safe message
};

void write_access_log(const AccessLogEntry& e);
// A one-off JSON line for lifecycle events ("listening", "draining", ...).
void log_event(const std::string& event, const std::string& detail);

}  // namespace gw
