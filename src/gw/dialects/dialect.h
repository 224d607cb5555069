#pragma once
// A client-facing API shape. Pure: values in, values out; no sockets (design.md).
#include <memory>
#include <string>
#include <string_view>

#include "gw/canonical/chat.h"
#include "gw/canonical/stream_event.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"

namespace gw {

// Turns canonical stream events into this dialect's SSE bytes, one event at a time.
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Appends the bytes to write for this event to `out` (maybe none: e.g. a ping, or a tool delta
  // being buffered). A StreamError renders the dialect's in-stream error event; nothing may follow
  // it. Appending lets the relay gather one upstream read's events into one buffer without a
  // string per event.
  virtual void encode_to(const StreamEvent& ev, std::string& out) = 0;
  // The same bytes as a string of their own.
  std::string encode(const StreamEvent& ev) {
    std::string out;
    encode_to(ev, out);
    return out;
  }
};

class ClientDialect {
 public:
  virtual ~ClientDialect() = default;
  virtual Dialect id() const = 0;
  // Parses a request body. Errors name the offending field (400 in this dialect).
  virtual Result<ChatRequest> parse(std::string_view body) const = 0;
  // Renders a complete response (JSON body). `req` gives the model name the client asked for.
  virtual std::string render(const ChatResponse& resp, const ChatRequest& req) const = 0;
  virtual std::unique_ptr<StreamEncoder> stream_encoder(const ChatRequest& req) const = 0;
  // An SSE event the client's SDK skips, sent when a stream has been silent a while (an upstream
  // thinking) so that proxies and load balancers that cut idle connections leave it open.
  virtual std::string_view stream_keepalive() const = 0;
  // Status, content-type and body of an error in this dialect (retry-after added by the server).
  virtual ClientReply render_error(const Error& err) const = 0;
};

const ClientDialect& openai_chat_dialect();
const ClientDialect& anthropic_messages_dialect();

}  // namespace gw
