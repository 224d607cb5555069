// The ProviderCodec for the Anthropic Messages API (contract.md base_url conventions,
// protocols.md 2.1): addressing and credentials here, the wire format in messages_wire.h.
#include <string>

#include "gw/common/json_util.h"
#include "gw/common/sse.h"
#include "gw/providers/anthropic/anthropic_codec.h"
#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/json_post.h"

namespace gw {

namespace {

namespace json = boost::json;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

class MessagesStreamDecoder final : public StreamDecoder {
 public:
  explicit MessagesStreamDecoder(std::string provider) : provider_(std::move(provider)) {}

  void feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    if (done()) {
      return;
    }
    std::vector<SseEvent> events;
    const bool ok = reader_.feed(bytes, events);
    for (const auto& ev : events) {
      if (done()) {
        return;
      }
      json::error_code ec;
      TransientJson scratch;  // the translator copies strings and numbers out of `v`
      json::value v = scratch.parse(ev.data, ec);
      if (ec || !v.is_object()) {
        fail("upstream sent a malformed stream event", out, /*retryable=*/true);
        return;
      }
      const size_t before = out.size();
      translator_.on_event(v.get_object(), out);
      for (size_t i = before; i < out.size(); ++i) {
        if (auto* err = std::get_if<StreamError>(&out[i])) {
          err->error.provider = provider_;
        }
      }
    }
    if (!ok) {
      fail("upstream sent an oversized stream event", out);
    }
  }

  void finish(std::vector<StreamEvent>& out) override {
    if (!done()) {
      fail("upstream stream ended before message_stop", out, /*retryable=*/true);  // like a reset
    }
  }

 private:
  bool done() const { return failed_ || translator_.finished() || translator_.failed(); }

  void fail(std::string message, std::vector<StreamEvent>& out, bool retryable = false) {
    failed_ = true;
    Error e = make_error(Code::UpstreamError, std::move(message));
    e.retryable = retryable;
    e.provider = provider_;
    out.push_back(StreamError{std::move(e)});
  }

  std::string provider_;
  SseReader reader_;
  anthropic::EventTranslator translator_;
  bool failed_ = false;
};

class AnthropicCodec final : public ProviderCodec {
 public:
  explicit AnthropicCodec(const config::Provider& p) : p_(p) {}

  Result<UpstreamRequest> encode(const ChatRequest& req, const config::Deployment& dep) const override {
    auto body = anthropic::encode_request_body(req, dep, anthropic::BodyOptions{});
    if (!body) {
      return body.error();
    }
    return request("/v1/messages", req, *body);
  }

  // POST /v1/messages/count_tokens with the headers of /v1/messages (protocols.md 2.9).
  bool can_count(const config::Deployment& /*dep*/) const override { return true; }

  Result<UpstreamRequest> encode_count(const ChatRequest& req,
                                       const config::Deployment& dep) const override {
    auto body = anthropic::encode_count_body(req, dep, anthropic::BodyOptions{});
    if (!body) {
      return body.error();
    }
    return request("/v1/messages/count_tokens", req, *body);
  }

  Result<uint64_t> decode_count(const UpstreamResponse& resp) const override {
    return anthropic::decode_count_body(resp.body, "input_tokens", p_.name);
  }

  Result<ChatResponse> decode(const UpstreamResponse& resp) const override {
    return anthropic::decode_response_body(resp.body, p_.name);
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override {
    return anthropic::make_messages_stream_decoder(p_.name);
  }

  Error classify(const UpstreamResponse& resp) const override {
    return anthropic::classify_error(resp.status, resp.headers, resp.body, p_.name);
  }

 private:
  UpstreamRequest request(std::string_view path, const ChatRequest& req, const json::object& body) const {
    Headers own;
    if (!p_.api_key.empty()) {
      own.emplace_back("x-api-key", p_.api_key);
    }
    // An Anthropic client's own version goes on unchanged (protocols.md 2.10 (a)): it chose what
    // its body may hold (2026-10-21 refuses temperature, for one) and what answer it reads. A
    // request translated from another dialect gets the provider's `anthropic_version`.
    if (!req.anthropic_version.empty()) {
      own.emplace_back("anthropic-version", req.anthropic_version);
    } else {
      own.emplace_back("anthropic-version",
                       p_.api_version.empty() ? std::string(anthropic::kDefaultApiVersion) : p_.api_version);
    }
    if (!req.anthropic_beta.empty()) {
      own.emplace_back("anthropic-beta", req.anthropic_beta);
    }
    return json_post(p_, trim_slash(p_.base_url) + std::string(path), json::serialize(body), std::move(own));
  }

  const config::Provider& p_;
};

}  // namespace

std::unique_ptr<ProviderCodec> make_anthropic_codec(const config::Provider& p) {
  return std::make_unique<AnthropicCodec>(p);
}

namespace anthropic {

std::unique_ptr<StreamDecoder> make_messages_stream_decoder(std::string provider) {
  return std::make_unique<MessagesStreamDecoder>(std::move(provider));
}

}  // namespace anthropic
}  // namespace gw
