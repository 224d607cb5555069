// libFuzzer target: untrusted OpenAI chat request bodies through the dialect parser and, when they
// parse, on through the OpenAI codec's encoder (the same-dialect pass-through path) and the
// response renderer, none of which may crash, hang or leak on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "gw/dialects/dialect.h"
#include "gw/dialects/openai_chat/openai_chat.h"
#include "gw/providers/openai/openai_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = gw::openai_chat_dialect().parse(body);
  if (!parsed) {
    (void)gw::openai_chat_dialect().render_error(parsed.error());
    return 0;
  }
  static const gw::config::Provider provider = [] {
    gw::config::Provider p;
    p.name = "fuzz";
    p.base_url = "http://upstream.invalid/v1";
    p.api_key = "k";
    return p;
  }();
  static const auto codec = gw::make_openai_codec(provider);
  gw::config::Deployment dep;
  dep.provider = "fuzz";
  dep.model = "m";
  if (auto up = codec->encode(*parsed, dep)) {
    // Whatever the client wrote, the upstream gets valid JSON (JSON has no NaN or Infinity).
    boost::json::error_code ec;
    (void)boost::json::parse(up->body, ec);
    if (ec) {
      __builtin_trap();
    }
  }

  // Echo the request's own assistant content back as a response and a stream.
  gw::ChatResponse resp;
  for (const auto& m : parsed->messages) {
    if (m.role == gw::Role::Assistant) {
      resp.content.insert(resp.content.end(), m.content.begin(), m.content.end());
    }
  }
  (void)gw::openai::render_chat_response(resp, *parsed, 0);
  auto enc = gw::openai::make_chat_stream_encoder(*parsed, 0);
  (void)enc->encode(gw::MessageStart{});
  for (size_t i = 0; i < resp.content.size(); ++i) {
    const auto& b = resp.content[i];
    (void)enc->encode(gw::BlockStart{i, b.type, b.id, b.name, {}});
    (void)enc->encode(gw::TextDelta{i, b.text});
    (void)enc->encode(gw::BlockStop{i});
  }
  (void)enc->encode(gw::MessageStop{});
  return 0;
}
