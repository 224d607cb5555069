// libFuzzer target: untrusted answers from OpenAI-compatible upstreams, read with simdjson.
//  - the bytes as a chat.completion body (decode_chat_body), whose canonical result is rendered
//    back to the OpenAI client format;
//  - the bytes as a chat.completion.chunk stream through the stream decoder, fed in pieces of the
//    size the first input byte picks, and the events through both client stream encoders.
// None of it may crash, and an answer that decodes must render to valid JSON.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "gw/dialects/dialect.h"
#include "gw/providers/openai/openai_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t split = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  gw::ChatRequest req;
  req.model = "m";
  req.include_usage = (data[0] & 0x80) != 0;

  if (auto resp = gw::openai::decode_chat_body(bytes)) {
    const std::string body = gw::openai_chat_dialect().render(*resp, req);
    boost::json::error_code ec;
    (void)boost::json::parse(body, ec);
    if (ec) {
      std::abort();  // the gateway must never answer a client with broken JSON
    }
  }

  auto decoder = gw::openai::make_chat_stream_decoder();
  std::vector<gw::StreamEvent> events;
  for (size_t i = 0; i < bytes.size(); i += split) {
    decoder->feed(bytes.substr(i, split), events);
  }
  decoder->finish(events);
  for (const gw::ClientDialect* d : {&gw::anthropic_messages_dialect(), &gw::openai_chat_dialect()}) {
    auto enc = d->stream_encoder(req);
    for (const auto& ev : events) {
      (void)enc->encode(ev);
    }
  }
  return 0;
}
