#pragma once
// One JSON line per request on stderr (contract.md). Never holds a secret: only key names.
#include <cstdint>
#include <string>
#include <string_view>

namespace gw {

struct AccessLogEntry {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  unsigned status = 0;
  std::string_view model;
  std::string_view provider;
  std::string_view deployment;
  std::string_view key_name;
  int attempts = 0;
  bool stream = false;
  int64_t latency_ms = 0;
  int64_t ttft_ms = -1;
  // As in the ledger: input excludes the cached tokens, counted apart (written when non-zero).
  uint64_t input_tokens = 0;
  uint64_t cache_read_tokens = 0;
  uint64_t cache_write_tokens = 0;
  uint64_t output_tokens = 0;
  std::string_view outcome;  // "ok" or an error code name
  std::string_view error;    // client-safe message
};

// Appends the entry's JSON line (with '\n') to `out`; `ts_ms` is the Unix time in milliseconds.
void format_access_log(const AccessLogEntry& e, int64_t ts_ms, std::string& out);
void write_access_log(const AccessLogEntry& e);
// A one-off JSON line for lifecycle events ("listening", "draining", ...).
void log_event(const std::string& event, const std::string& detail);

}  // namespace gw
