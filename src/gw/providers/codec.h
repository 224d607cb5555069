#pragma once
// Pure translation between the canonical model and one provider's wire format; unit-, golden- and
// fuzz-testable without sockets. Transport, pooling and signing live elsewhere (design.md).
#include <memory>
#include <span>
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

  // Embeddings (POST /v1/embeddings, canonical/embedding.h). The defaults say "cannot embed".
  // Whether this deployment's model embeds at all: the handler plans over those that do.
  virtual bool can_embed(const config::Deployment& /*dep*/) const { return false; }
  // Whether it can carry this request: OK, or the InvalidRequest naming the field it cannot
  // (token ids where the upstream takes only text, `dimensions` a model cannot honour). The
  // handler tries only the deployments that can, and answers this error when none can.
  virtual Result<void> check_embed(const EmbeddingRequest& /*req*/,
                                   const config::Deployment& /*dep*/) const {
    return make_error(Code::InvalidRequest, "this provider has no embeddings API");
  }
  // The upstream requests for `req` at this deployment, addressed and credentialed as encode()
  // does (signing follows for each): one for an API that embeds the whole input at once, several
  // for one that takes one text (Titan) or a bounded batch per call. They are sent one after
  // another within one attempt; any failure fails the attempt.
  virtual Result<std::vector<UpstreamRequest>> encode_embed(const EmbeddingRequest& /*req*/,
                                                            const config::Deployment& /*dep*/) const {
    return make_error(Code::InvalidRequest, "this provider has no embeddings API");
  }
  // The 2xx answers to encode_embed()'s requests, in their order -> the embeddings and their usage.
  // A malformed answer, or one with fewer or more vectors than inputs, is an UpstreamError; usage
  // that is not reported is left 0 (the handler then bills its estimate).
  virtual Result<EmbeddingResponse> decode_embed(const EmbeddingRequest& /*req*/,
                                                 const config::Deployment& /*dep*/,
                                                 std::span<const UpstreamResponse> /*answers*/) const {
    return make_error(Code::UpstreamError, "this provider has no embeddings API");
  }
};

// Creates the codec for a provider of config type; the provider config outlives the codec.
std::unique_ptr<ProviderCodec> make_codec(const config::Provider& p);

}  // namespace gw
