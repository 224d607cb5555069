// Bedrock's streamed bodies (protocols.md 4.3-4.5, 4.7): event-stream frames in, canonical events
// out. InvokeModel `chunk` frames hold base64 Anthropic events (plus a `p` padding field, ignored);
// Converse frames are handed to ConverseStreamTranslator; exception and error frames, which may
// arrive after the 200, end the stream with a StreamError.
#include <array>
#include <string>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/bedrock/converse_stream.h"
#include "gw/providers/bedrock/event_stream.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

std::optional<uint64_t> count_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr && v->is_uint64()) {
    return v->get_uint64();
  }
  if (v != nullptr && v->is_int64() && v->get_int64() >= 0) {
    return static_cast<uint64_t>(v->get_int64());
  }
  return std::nullopt;
}

// Bedrock's own count on the final message_stop; it is the billed figure.
std::optional<Usage> invocation_metrics(const json::object& ev) {
  const json::value* m = ev.if_contains("amazon-bedrock-invocationMetrics");
  if (m == nullptr || !m->is_object()) {
    return std::nullopt;
  }
  const json::object& o = m->get_object();
  Usage u;
  u.input = count_field(o, "inputTokenCount").value_or(0);
  u.output = count_field(o, "outputTokenCount").value_or(0);
  u.cache_read = count_field(o, "cacheReadInputTokenCount").value_or(0);
  u.cache_write = count_field(o, "cacheWriteInputTokenCount").value_or(0);
  if (u.empty()) {
    return std::nullopt;
  }
  return u;
}

class BedrockStreamDecoder final : public StreamDecoder {
 public:
  explicit BedrockStreamDecoder(std::string provider) : provider_(std::move(provider)) {}

  void feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    if (done()) {
      return;
    }
    frames_.clear();
    auto ok = reader_.feed(bytes, frames_);
    // Frames before a corrupt one are good: deliver them, then the error.
    for (const auto& f : frames_) {
      on_frame(f, out);
      if (done()) {
        return;
      }
    }
    if (!ok) {
      fail(ok.error(), out);
    }
  }

  void finish(std::vector<StreamEvent>& out) override {
    if (done()) {
      return;
    }
    if (auto ok = reader_.finish(); !ok) {
      fail(ok.error(), out);
      return;
    }
    converse_.end_of_body(out);
    if (!done()) {
      Error e = make_error(Code::UpstreamError, "upstream stream ended before message_stop");
      e.retryable = true;  // like a dropped connection: nothing was finished
      fail(std::move(e), out);
    }
  }

 private:
  bool done() const {
    return failed_ || invoke_.finished() || invoke_.failed() || converse_.finished();
  }

  void fail(Error e, std::vector<StreamEvent>& out) {
    failed_ = true;
    e.provider = provider_;
    out.push_back(StreamError{std::move(e)});
  }

  std::optional<json::object> parse_object(std::string_view s) {
    json::error_code ec;
    json::value v = json::parse(s, ec);
    if (ec || !v.is_object()) {
      return std::nullopt;
    }
    return std::move(v.get_object());
  }

  void on_frame(const EventMessage& f, std::vector<StreamEvent>& out) {
    const std::string_view mt = f.string_header(":message-type");
    if (mt == "exception") {
      std::string message;
      if (auto p = parse_object(f.payload)) {
        if (const json::value* m = p->if_contains("message"); m != nullptr && m->is_string()) {
          message = std::string(m->get_string());
        } else if (const json::value* m2 = p->if_contains("Message"); m2 != nullptr && m2->is_string()) {
          message = std::string(m2->get_string());
        }
      }
      fail(stream_exception(f.string_header(":exception-type"), message, provider_), out);
      return;
    }
    if (mt == "error") {
      fail(stream_exception(f.string_header(":error-code"), f.string_header(":error-message"), provider_), out);
      return;
    }
    if (mt != "event") {
      return;  // unknown message types carry nothing we can use
    }
    const std::string_view et = f.string_header(":event-type");
    auto payload = parse_object(f.payload);
    if (!payload) {
      fail(make_error(Code::UpstreamError, "upstream sent a malformed " + std::string(et) + " event"), out);
      return;
    }
    if (et == "chunk") {
      on_chunk(*payload, out);
      return;
    }
    converse_.on_event(et, *payload, out);
  }

  void on_chunk(const json::object& payload, std::vector<StreamEvent>& out) {
    const json::value* b = payload.if_contains("bytes");
    std::optional<std::string> raw;
    if (b != nullptr && b->is_string()) {
      raw = base64_decode(b->get_string());
    }
    std::optional<json::object> ev = raw ? parse_object(*raw) : std::nullopt;
    if (!ev) {
      fail(make_error(Code::UpstreamError, "upstream sent a chunk that is not a base64 JSON event"), out);
      return;
    }
    if (auto* t = ev->if_contains("type"); t != nullptr && t->is_string() && t->get_string() == "message_stop") {
      if (auto u = invocation_metrics(*ev)) {
        out.push_back(UsageUpdate{*u});  // before MessageStop: nothing follows that
      }
    }
    const size_t before = out.size();
    invoke_.on_event(*ev, out);
    for (size_t i = before; i < out.size(); ++i) {
      if (auto* err = std::get_if<StreamError>(&out[i])) {
        err->error.provider = provider_;
      }
    }
  }

  std::string provider_;
  EventStreamDecoder reader_;
  std::vector<EventMessage> frames_;
  anthropic::EventTranslator invoke_;
  ConverseStreamTranslator converse_;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder(std::string provider) {
  return std::make_unique<BedrockStreamDecoder>(std::move(provider));
}

}  // namespace gw::bedrock
