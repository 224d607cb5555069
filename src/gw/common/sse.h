#pragma once
// Server-Sent Events (WHATWG "event stream" rules, protocols.md 7.1). The reader takes bytes split
// at any point and yields complete events; the writer formats one event.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

struct SseEvent {
  std::string event;  // "event:" field; empty = "message"
  std::string data;   // "data:" lines joined with '\n'
  std::string id;
};

class SseReader {
 public:
  // Lines longer than this (a broken or hostile upstream) make feed() fail.
  explicit SseReader(size_t max_event_bytes = 16 * 1024 * 1024) : max_event_bytes_(max_event_bytes) {}
  // Appends each completed event to `out`. Returns false if the stream is malformed (over limit);
  // the reader stays failed.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out);
  // True when bytes of an unterminated event remain (the stream was cut mid-event).
  bool has_partial() const;
  bool failed() const { return failed_; }

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);

  std::string line_;
  SseEvent cur_;
  bool has_data_ = false;
  bool has_fields_ = false;
  bool skip_lf_ = false;  // the previous chunk ended in CR: a following LF belongs to it
  bool bom_checked_ = false;
  bool failed_ = false;
  size_t max_event_bytes_;
};

// "event: NAME\ndata: DATA\n\n" (event line omitted when empty; multi-line data split).
std::string format_sse(std::string_view event, std::string_view data);

}  // namespace gw
