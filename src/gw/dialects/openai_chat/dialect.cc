// The ClientDialect for POST /v1/chat/completions: glue over parse.cc, render.cc, sse_encoder.cc.
#include <chrono>

#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw {

namespace openai {

namespace {

class OpenAIChatDialect final : public ClientDialect {
 public:
  explicit OpenAIChatDialect(const Clock& clock) : clock_(clock) {}

  Dialect id() const override { return Dialect::OpenAIChat; }
  Result<ChatRequest> parse(std::string_view body) const override {
    return parse_chat_request(body);
  }
  std::string render(const ChatResponse& resp, const ChatRequest& req) const override {
    return render_chat_response(resp, req, now_s());
  }
  std::unique_ptr<StreamEncoder> stream_encoder(const ChatRequest& req) const override {
    return make_chat_stream_encoder(req, now_s());
  }
  // An SSE comment: OpenAI sends none, and every SSE parser (the SDKs' included) skips one.
  std::string_view stream_keepalive() const override { return ": keep-alive\n\n"; }
  ClientReply render_error(const Error& err) const override { return render_chat_error(err); }

 private:
  int64_t now_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  }

  const Clock& clock_;
};

}  // namespace

std::unique_ptr<ClientDialect> make_openai_chat_dialect(const Clock& clock) {
  return std::make_unique<OpenAIChatDialect>(clock);
}

}  // namespace openai

const ClientDialect& openai_chat_dialect() {
  static const auto instance = openai::make_openai_chat_dialect(real_clock());
  return *instance;
}

}  // namespace gw
