#include "gw/common/sse.h"

#include <cstring>

namespace gw {

bool SseReader::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed_) {
    return false;
  }
  if (!bom_checked_ && !bytes.empty()) {
    // A UTF-8 BOM may open the stream; it could arrive split, so only strip a whole one.
    if (line_.empty() && bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") {
      bytes.remove_prefix(3);
    }
    bom_checked_ = true;
  }
  size_t i = 0;
  if (skip_lf_ && !bytes.empty()) {
    skip_lf_ = false;
    if (bytes.front() == '\n') {
      i = 1;  // the LF of a CRLF split across two reads
    }
  }
  // The next CR at or after the current position, found once and reused while it lies ahead:
  // streams without CRs (most) would otherwise rescan the rest of the read for one on every line.
  const char* next_cr = nullptr;
  bool cr_known = false;
  while (i < bytes.size()) {
    // Whole runs up to the next CR or LF at a time; a line complete within this read is processed
    // in place, without passing through line_.
    const char* start = bytes.data() + i;
    const size_t left = bytes.size() - i;
    if (!cr_known || (next_cr != nullptr && next_cr < start)) {
      next_cr = static_cast<const char*>(std::memchr(start, '\r', left));
      cr_known = true;
    }
    const char* cr = next_cr;
    const char* lf = static_cast<const char*>(std::memchr(start, '\n', cr != nullptr ? static_cast<size_t>(cr - start) : left));
    const char* eol = lf != nullptr ? lf : cr;
    const size_t len = eol != nullptr ? static_cast<size_t>(eol - start) : left;
    // The line (its part held from earlier reads and this run) with the event it would join.
    if (line_.size() + len + cur_.data.size() > max_event_bytes_) {
      failed_ = true;
      return false;
    }
    if (eol == nullptr) {
      line_.append(start, left);
      return true;
    }
    if (line_.empty()) {
      process_line(std::string_view(start, len), out);
    } else {
      line_.append(start, len);
      process_line(line_, out);
      line_.clear();
    }
    i += len + 1;
    if (*eol == '\r') {
      if (i < bytes.size()) {
        if (bytes[i] == '\n') {
          ++i;
        }
      } else {
        skip_lf_ = true;
      }
    }
  }
  return true;
}

void SseReader::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {  // dispatch
    if (has_data_) {
      out.push_back(std::move(cur_));
    }
    cur_ = SseEvent{};
    has_data_ = false;
    has_fields_ = false;
    return;
  }
  has_fields_ = true;
  if (line.front() == ':') {
    return;  // comment
  }
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      cur_.data.push_back('\n');
    }
    cur_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    cur_.event = std::string(value);
  } else if (field == "id") {
    cur_.id = std::string(value);
  }
  // "retry" and unknown fields are ignored.
}

bool SseReader::has_partial() const { return !line_.empty() || has_data_; }

std::string format_sse(std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(event.size() + data.size() + 16);
  if (!event.empty()) {
    out.append("event: ").append(event).append("\n");
  }
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    out.append("data: ").append(data.substr(start, nl == std::string_view::npos ? nl : nl - start));
    out.push_back('\n');
    if (nl == std::string_view::npos) {
      break;
    }
    start = nl + 1;
  }
  out.push_back('\n');
  return out;
}

}  // namespace gw
