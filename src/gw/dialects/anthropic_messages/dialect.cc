// The ClientDialect for POST /v1/messages: glue over parse.cc, render.cc, sse_encoder.cc.
#include "gw/dialects/anthropic_messages/anthropic_messages.h"

namespace gw {

namespace {

class AnthropicMessagesDialect final : public ClientDialect {
 public:
  Dialect id() const override { return Dialect::AnthropicMessages; }
  Result<ChatRequest> parse(std::string_view body) const override {
    return anthropic::parse_messages_request(body);
  }
  std::string render(const ChatResponse& resp, const ChatRequest& req) const override {
    return anthropic::render_message(resp, req);
  }
  std::unique_ptr<StreamEncoder> stream_encoder(const ChatRequest& req) const override {
    return anthropic::make_messages_stream_encoder(req);
  }
  // Anthropic's own keep-alive (protocols.md 2.7), as the stream encoder writes it.
  std::string_view stream_keepalive() const override { return "event: ping\ndata: {\"type\":\"ping\"}\n\n"; }
  ClientReply render_error(const Error& err) const override {
    return anthropic::render_messages_error(err);
  }
};

}  // namespace

const ClientDialect& anthropic_messages_dialect() {
  static const AnthropicMessagesDialect instance;
  return instance;
}

}  // namespace gw
