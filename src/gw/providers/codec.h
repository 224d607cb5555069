#pragma once
// Pure translation between the canonical model and one provider's wire format; unit-, golden- and
// fuzz-testable without sockets. Transport, pooling and signing live elsewhere (design.md).
#include <memory>
#include <string_view>
#include <vector>

#include "gw/canonical/chat.h"
#include "gw/canonical/embedding.h"
#include "gw/canonical/stream_event.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw {

// Bytes of a streamed upstream body in, canonical events out. Handles input split at any byte.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  virtual void feed(std::string_view bytes, std::vector<StreamEvent>& out) = 0;
  // The body ended. If the stream had not properly finished, emits a StreamError
  // ("upstream stream ended before message_stop" or similar), never a silent end.
  virtual void finish(std::vector<StreamEvent>& out) = 0;
};

class ProviderCodec {
 public:
  virtual ~ProviderCodec() = default;
  // The upstream request for this deployment: absolute URL, headers incl. content-type and static
  // credentials (api keys), body. Signing that needs I/O or the final bytes (SigV4, OAuth) is done
  // afterwards by the provider's RequestSigner. Fields that cannot be mapped: 400 naming the field.
  virtual Result<UpstreamRequest> encode(const ChatRequest& req,
                                         const config::Deployment& dep) const = 0;
  // A 2xx non-streamed body to canonical.
  virtual Result<ChatResponse> decode(const UpstreamResponse& resp) const = 0;
  virtual std::unique_ptr<StreamDecoder> stream_decoder() const = 0;
  // A non-2xx answer to an Error: code, retryable (429/5xx/529/throttling: true), upstream_type,
  // retry_after_s from retry-after, message without secrets.
  virtual Error classify(const UpstreamResponse& resp) const = 0;

  // Token counting (POST /v1/messages/count_tokens, protocols.md 2.9, 4.6, 5.4). Providers whose
  // upstream has a counting API override all three; the defaults say "cannot count".
  // Whether this deployment's upstream can count the input of a request.
  virtual bool can_count(const config::Deployment& /*dep*/) const { return false; }
  // The upstream request that counts `req`'s input tokens (addressed and credentialed as encode()
  // does; signing follows as usual). InvalidRequest when the deployment cannot count.
  virtual Result<UpstreamRequest> encode_count(const ChatRequest& /*req*/,
                                               const config::Deployment& /*dep*/) const {
    return make_error(Code::InvalidRequest, "this provider has no token counting API");
  }
  // A 2xx answer to encode_count()'s request -> the input token count.
  virtual Result<uint64_t> decode_count(const UpstreamResponse& /*resp*/) const {
    return make_error(Code::UpstreamError, "this provider has no token counting API");
  }

  // Embeddings (POST /v1/embeddings): OpenAI-format upstreams only (canonical/embedding.h says
  // why). The defaults say "cannot embed".
  virtual bool can_embed() const { return false; }
  // The upstream request for `req` at this deployment: the client's body with `model` set to the
  // deployment's, addressed and credentialed as encode() does.
  virtual Result<UpstreamRequest> encode_embed(const EmbeddingRequest& /*req*/,
                                               const config::Deployment& /*dep*/) const {
    return make_error(Code::InvalidRequest, "this provider has no embeddings API");
  }
  // A 2xx answer to encode_embed()'s request -> the embeddings and their usage. An answer without
  // a `data` list is malformed (UpstreamError); one without usage reports none (usage left 0).
  virtual Result<EmbeddingResponse> decode_embed(const UpstreamResponse& /*resp*/) const {
    return make_error(Code::UpstreamError, "this provider has no embeddings API");
  }
};

// Creates the codec for a provider of config type; the provider config outlives the codec.
std::unique_ptr<ProviderCodec> make_codec(const config::Provider& p);

}  // namespace gw
