#pragma once
// The AWS event-stream binary framing (application/vnd.amazon.eventstream, protocols.md 4.8) that
// carries Bedrock's streamed responses: an incremental, bounded decoder that takes bytes split at
// any point, and the matching encoder (tests, fuzz seeds, emulators).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gw/common/result.h"

namespace gw::bedrock {

enum class HeaderType : uint8_t {
  BoolTrue = 0,
  BoolFalse = 1,
  Byte = 2,
  Short = 3,
  Integer = 4,
  Long = 5,
  ByteArray = 6,
  String = 7,
  Timestamp = 8,  // ms since the epoch
  Uuid = 9,       // 16 raw bytes
};

struct EventHeader {
  std::string name;
  HeaderType type = HeaderType::String;
  int64_t number = 0;  // Byte, Short, Integer, Long, Timestamp; 1/0 for the bools
  std::string bytes;   // ByteArray, String, Uuid

  static EventHeader string(std::string name, std::string value) {
    return EventHeader{std::move(name), HeaderType::String, 0, std::move(value)};
  }
  bool operator==(const EventHeader&) const = default;
};

struct EventMessage {
  std::vector<EventHeader> headers;  // in wire order
  std::string payload;

  const EventHeader* header(std::string_view name) const;
  // The value of a string header; empty when absent or of another type.
  std::string_view string_header(std::string_view name) const;
  bool operator==(const EventMessage&) const = default;
};

// AWS documents 16 MiB per message and 128 KiB of headers; anything larger is a corrupt length,
// and refusing it bounds what a hostile upstream can make us buffer.
inline constexpr uint32_t kMaxMessageBytes = 16u * 1024 * 1024;
inline constexpr uint32_t kMaxHeaderBytes = 128u * 1024;

class EventStreamDecoder {
 public:
  // Appends every frame completed by `bytes` to `out`. The first framing error (bad length, CRC
  // mismatch, malformed header) is returned and sticks: later calls return it again.
  Result<void> feed(std::string_view bytes, std::vector<EventMessage>& out);
  // The body ended: an error when a frame was cut off ("truncated event stream").
  Result<void> finish() const;
  // Bytes of an incomplete frame held back.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  Result<void> fail(std::string what);

  std::string buf_;
  size_t pos_ = 0;  // start of the first unconsumed byte in buf_
  bool prelude_checked_ = false;
  std::optional<Error> error_;
};

// One frame with both CRCs. Header values longer than 65535 bytes are cut (the format's limit).
std::string encode_event(const EventMessage& m);

// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`.
uint32_t crc32_of(std::string_view data);

}  // namespace gw::bedrock
