// AWS event-stream framing (protocols.md 4.8). Frames do not line up with HTTP chunks or TCP
// reads, so the decoder keeps at most one incomplete frame and resumes at any byte.
#include "gw/providers/bedrock/event_stream.h"

#include <boost/crc.hpp>

namespace gw::bedrock {

namespace {

constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr size_t kMinFrameBytes = 16;  // prelude + message CRC, nothing else

uint32_t be32(std::string_view s, size_t at) {
  return (uint32_t{static_cast<uint8_t>(s[at])} << 24) | (uint32_t{static_cast<uint8_t>(s[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(s[at + 3])};
}

uint64_t be_n(std::string_view s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  }
  return v;
}

// Sign-extends an n-byte big-endian two's complement value.
int64_t signed_n(uint64_t v, size_t n) {
  if (n < 8 && (v >> (8 * n - 1)) != 0) {
    v |= ~uint64_t{0} << (8 * n);
  }
  return static_cast<int64_t>(v);
}

void put_be(std::string& out, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * (i - 1))) & 0xff));
  }
}

// Width of the fixed-size value types; 0 for the length-prefixed ones.
size_t fixed_width(HeaderType t) {
  switch (t) {
    case HeaderType::BoolTrue:
    case HeaderType::BoolFalse: return 0;
    case HeaderType::Byte: return 1;
    case HeaderType::Short: return 2;
    case HeaderType::Integer: return 4;
    case HeaderType::Long:
    case HeaderType::Timestamp: return 8;
    case HeaderType::Uuid: return 16;
    case HeaderType::ByteArray:
    case HeaderType::String: return 0;
  }
  return 0;
}

// Parses the header block of one frame; false when it is malformed.
bool parse_headers(std::string_view h, std::vector<EventHeader>& out) {
  size_t i = 0;
  while (i < h.size()) {
    const size_t name_len = static_cast<uint8_t>(h[i++]);
    if (name_len == 0 || h.size() - i < name_len + 1) {
      return false;
    }
    EventHeader eh;
    eh.name = std::string(h.substr(i, name_len));
    i += name_len;
    const uint8_t type = static_cast<uint8_t>(h[i++]);
    if (type > static_cast<uint8_t>(HeaderType::Uuid)) {
      return false;  // an unknown type has no known width: nothing after it can be trusted
    }
    eh.type = static_cast<HeaderType>(type);
    switch (eh.type) {
      case HeaderType::BoolTrue: eh.number = 1; break;
      case HeaderType::BoolFalse: eh.number = 0; break;
      case HeaderType::ByteArray:
      case HeaderType::String: {
        if (h.size() - i < 2) {
          return false;
        }
        const size_t len = be_n(h, i, 2);
        i += 2;
        if (h.size() - i < len) {
          return false;
        }
        eh.bytes = std::string(h.substr(i, len));
        i += len;
        break;
      }
      case HeaderType::Uuid: {
        if (h.size() - i < 16) {
          return false;
        }
        eh.bytes = std::string(h.substr(i, 16));
        i += 16;
        break;
      }
      default: {
        const size_t w = fixed_width(eh.type);
        if (h.size() - i < w) {
          return false;
        }
        eh.number = signed_n(be_n(h, i, w), w);
        i += w;
        break;
      }
    }
    out.push_back(std::move(eh));
  }
  return true;
}

}  // namespace

uint32_t crc32_of(std::string_view data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

const EventHeader* EventMessage::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) {
      return &h;
    }
  }
  return nullptr;
}

std::string_view EventMessage::string_header(std::string_view name) const {
  const EventHeader* h = header(name);
  return h != nullptr && h->type == HeaderType::String ? std::string_view(h->bytes) : std::string_view();
}

Result<void> EventStreamDecoder::fail(std::string what) {
  Error e = make_error(Code::UpstreamError, "upstream sent a corrupt event stream: " + what);
  e.retryable = true;  // a transport fault, like a reset connection
  error_ = e;
  buf_.clear();
  pos_ = 0;
  return e;
}

Result<void> EventStreamDecoder::feed(std::string_view bytes, std::vector<EventMessage>& out) {
  if (error_) {
    return *error_;
  }
  // Compact before growing so the buffer never holds more than one frame plus one read.
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
  while (buf_.size() - pos_ >= kPreludeBytes) {
    const std::string_view frame_start = std::string_view(buf_).substr(pos_);
    const uint32_t total = be32(frame_start, 0);
    const uint32_t hlen = be32(frame_start, 4);
    if (!prelude_checked_) {
      if (crc32_of(frame_start.substr(0, 8)) != be32(frame_start, 8)) {
        return fail("prelude CRC mismatch");
      }
      // Lengths are trusted only once their CRC matched.
      if (total < kMinFrameBytes || total > kMaxMessageBytes || hlen > total - kMinFrameBytes ||
          hlen > kMaxHeaderBytes) {
        return fail("frame length " + std::to_string(total) + " (headers " + std::to_string(hlen) +
                    ") out of bounds");
      }
      prelude_checked_ = true;
    }
    if (frame_start.size() < total) {
      break;
    }
    const std::string_view frame = frame_start.substr(0, total);
    if (crc32_of(frame.substr(0, total - 4)) != be32(frame, total - 4)) {
      return fail("message CRC mismatch");
    }
    EventMessage m;
    if (!parse_headers(frame.substr(kPreludeBytes, hlen), m.headers)) {
      return fail("malformed headers");
    }
    m.payload = std::string(frame.substr(kPreludeBytes + hlen, total - kMinFrameBytes - hlen));
    out.push_back(std::move(m));
    pos_ += total;
    prelude_checked_ = false;
  }
  return {};
}

Result<void> EventStreamDecoder::finish() const {
  if (error_) {
    return *error_;
  }
  if (buffered() > 0) {
    Error e = make_error(Code::UpstreamError, "truncated event stream: the body ended inside a frame (" +
                                                  std::to_string(buffered()) + " bytes left over)");
    e.retryable = true;
    return e;
  }
  return {};
}

std::string encode_event(const EventMessage& m) {
  std::string headers;
  for (const auto& h : m.headers) {
    const std::string_view name = std::string_view(h.name).substr(0, 255);
    headers.push_back(static_cast<char>(name.size()));
    headers += name;
    headers.push_back(static_cast<char>(h.type));
    switch (h.type) {
      case HeaderType::BoolTrue:
      case HeaderType::BoolFalse: break;
      case HeaderType::ByteArray:
      case HeaderType::String: {
        const std::string_view v = std::string_view(h.bytes).substr(0, 0xffff);
        put_be(headers, v.size(), 2);
        headers += v;
        break;
      }
      case HeaderType::Uuid: {
        std::string v = h.bytes.substr(0, 16);
        v.resize(16, '\0');
        headers += v;
        break;
      }
      default: put_be(headers, static_cast<uint64_t>(h.number), fixed_width(h.type)); break;
    }
  }
  const uint64_t total = kMinFrameBytes + headers.size() + m.payload.size();
  std::string out;
  out.reserve(total);
  put_be(out, total, 4);
  put_be(out, headers.size(), 4);
  put_be(out, crc32_of(out), 4);
  out += headers;
  out += m.payload;
  put_be(out, crc32_of(out), 4);
  return out;
}

}  // namespace gw::bedrock
