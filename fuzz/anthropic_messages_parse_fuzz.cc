// libFuzzer target: untrusted Anthropic Messages request bodies through the dialect parser and,
// when they parse, on through every encoder that may receive them: the Messages wire (same-dialect
// pass-through, and the Bedrock/Vertex body options), the OpenAI codec (cross-family), the
// Message renderer and the SSE encoder. The same bytes are also a count_tokens body (its parser and
// the counting body) and go through the provider side's response decoder, token-count decoder and
// stream-event translator, which read JSON of the same shape from upstreams.
// None of it may crash, hang, leak or trip a sanitizer on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/dialects/dialect.h"
#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/openai/openai_codec.h"

namespace {

void exercise_request(const gw::ChatRequest& req) {
  gw::config::Deployment dep;
  dep.provider = "fuzz";
  dep.model = "m";
  gw::anthropic::BodyOptions bedrock;
  bedrock.include_model = false;
  bedrock.anthropic_version = "bedrock-2023-05-31";
  bedrock.betas_in_body = true;
  bedrock.include_stream_flag = false;
  // Whatever the client wrote, an upstream gets valid JSON (JSON has no NaN or Infinity).
  for (auto body : {gw::anthropic::encode_request_body(req, dep, {}),
                    gw::anthropic::encode_request_body(req, dep, bedrock), gw::openai::encode_chat_body(req, dep)}) {
    if (body) {
      boost::json::error_code ec;
      (void)boost::json::parse(boost::json::serialize(*body), ec);
      if (ec) {
        __builtin_trap();
      }
    }
  }

  // Echo the request's own assistant content back as a response and as a stream whose blocks
  // interleave (each block starts before the previous one stops), the encoder's hardest path.
  gw::ChatResponse resp;
  for (const auto& m : req.messages) {
    if (m.role == gw::Role::Assistant) {
      resp.content.insert(resp.content.end(), m.content.begin(), m.content.end());
    }
  }
  (void)gw::anthropic_messages_dialect().render(resp, req);
  auto enc = gw::anthropic_messages_dialect().stream_encoder(req);
  (void)enc->encode(gw::MessageStart{resp.id, resp.model, {}});
  for (size_t i = 0; i < resp.content.size(); ++i) {
    const auto& b = resp.content[i];
    (void)enc->encode(gw::BlockStart{i, b.type, b.id, b.name, b.text});
    (void)enc->encode(gw::TextDelta{i, b.text});
    (void)enc->encode(gw::ThinkingDelta{i, b.text, b.signature});
    if (i > 0) {
      (void)enc->encode(gw::ToolArgsDelta{i - 1, b.name});
      (void)enc->encode(gw::BlockStop{i - 1});
    }
  }
  (void)enc->encode(gw::Finish{gw::StopReason::ToolUse, {}});
  (void)enc->encode(gw::MessageStop{});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = gw::anthropic_messages_dialect().parse(body);
  if (parsed) {
    exercise_request(*parsed);
  } else {
    (void)gw::anthropic_messages_dialect().render_error(parsed.error());
  }

  if (auto counted = gw::anthropic::parse_count_tokens_request(body)) {
    gw::config::Deployment dep;
    dep.provider = "fuzz";
    dep.model = "m";
    (void)gw::anthropic::encode_count_body(*counted, dep, {});
  }
  (void)gw::anthropic::decode_count_body(body, "input_tokens", "fuzz");

  (void)gw::anthropic::decode_response_body(body);
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    gw::anthropic::EventTranslator t;
    std::vector<gw::StreamEvent> out;
    t.on_event(v.get_object(), out);
    t.on_event(v.get_object(), out);  // a repeated event (duplicate start, second stop, ...)
  }
  return 0;
}
