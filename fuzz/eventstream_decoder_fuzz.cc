// libFuzzer target: untrusted Bedrock event-stream bodies through the frame decoder and the full
// Bedrock stream decoder (invoke chunks, Converse events, exception frames). Beyond "no crash, no
// hang, no leak" it checks the decoder's promises: frames do not depend on how the bytes were
// split, every decoded frame re-encodes to bytes that decode to itself, and the canonical events
// end with exactly one MessageStop or StreamError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/bedrock/event_stream.h"

namespace {

using gw::bedrock::EventMessage;
using gw::bedrock::EventStreamDecoder;

struct Decoded {
  std::vector<EventMessage> frames;
  bool ok = true;
};

Decoded decode(std::string_view bytes, size_t piece) {
  EventStreamDecoder d;
  Decoded out;
  for (size_t at = 0; at < bytes.size() && out.ok; at += piece) {
    out.ok = d.feed(bytes.substr(at, piece), out.frames).has_value();
  }
  if (out.ok) {
    out.ok = d.finish().has_value();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte picks a split size, so the corpus explores read boundaries too.
  const size_t piece = static_cast<size_t>(data[0] % 31) + 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const Decoded whole = decode(bytes, bytes.size() + 1);
  const Decoded split = decode(bytes, piece);
  if (whole.ok != split.ok || whole.frames != split.frames) {
    std::abort();  // the result must not depend on where reads end
  }
  for (const auto& f : whole.frames) {
    const std::string again = gw::bedrock::encode_event(f);
    const Decoded round = decode(again, again.size() + 1);
    if (!round.ok || round.frames.size() != 1 || !(round.frames[0] == f)) {
      std::abort();
    }
  }

  auto stream = gw::bedrock::make_stream_decoder("fuzz");
  std::vector<gw::StreamEvent> events;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    stream->feed(bytes.substr(at, piece), events);
  }
  stream->finish(events);
  size_t terminal = 0;
  for (const auto& ev : events) {
    terminal += std::holds_alternative<gw::MessageStop>(ev) || std::holds_alternative<gw::StreamError>(ev);
  }
  if (terminal != 1 || !(std::holds_alternative<gw::MessageStop>(events.back()) ||
                         std::holds_alternative<gw::StreamError>(events.back()))) {
    std::abort();  // the relay relies on exactly one end, and on it being last
  }
  return 0;
}
