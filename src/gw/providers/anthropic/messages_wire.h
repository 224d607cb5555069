#pragma once
// The Anthropic Messages wire format as a provider speaks it, shared by every provider that
// carries Anthropic bodies: anthropic (HTTP + SSE), bedrock InvokeModel (event-stream chunks
// holding Anthropic events) and vertex rawPredict (SSE).
#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "gw/canonical/chat.h"
#include "gw/canonical/stream_event.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw::anthropic {

struct BodyOptions {
  bool include_model = true;           // false for Bedrock and Vertex (model in the URL)
  std::string anthropic_version;       // body field for Bedrock/Vertex ("bedrock-2023-05-31", ...)
  bool betas_in_body = false;          // Bedrock: anthropic-beta header -> "anthropic_beta": [...]
  bool include_stream_flag = true;     // Bedrock: streaming is chosen by the URL, not the body
};

// Canonical request -> Messages API body (model from the deployment). 400 naming the field for
// what cannot be mapped.
Result<boost::json::object> encode_request_body(const ChatRequest& req,
                                                const config::Deployment& dep,
                                                const BodyOptions& opts);

// The body of a token count (count_tokens, Vertex count-tokens:rawPredict): encode_request_body()
// without what only generation takes (max_tokens, sampling, stop_sequences, stream, metadata),
// which the counting APIs refuse (protocols.md 2.9).
Result<boost::json::object> encode_count_body(const ChatRequest& req,
                                              const config::Deployment& dep,
                                              const BodyOptions& opts);

// A token count answer {"<field>": N} -> N ("input_tokens" for Anthropic and Vertex, "inputTokens"
// for Bedrock); UpstreamError naming `provider` when the body holds no such count.
Result<uint64_t> decode_count_body(std::string_view body, std::string_view field,
                                   std::string_view provider);

// A Messages API response body -> canonical.
Result<ChatResponse> decode_response_body(std::string_view body);
// The same, with the provider named on an error (the Anthropic and Vertex codecs both decode so).
Result<ChatResponse> decode_response_body(std::string_view body, std::string_view provider);

// One Anthropic stream event, already parsed from JSON (an SSE data line, or a Bedrock chunk's
// decoded bytes) -> canonical events. Tracks whether message_stop was seen.
class EventTranslator {
 public:
  void on_event(const boost::json::object& ev, std::vector<StreamEvent>& out);
  bool finished() const { return finished_; }
  bool failed() const { return failed_; }

 private:
  bool finished_ = false;
  bool failed_ = false;
  Usage usage_;
  std::vector<size_t> skipped_;  // indices of blocks with no canonical form (server-tool blocks)
};

// Anthropic error body + status -> Error (429/529/5xx retryable, retry-after honoured).
Error classify_error(unsigned status, const Headers& headers, std::string_view body,
                     std::string_view provider);

}  // namespace gw::anthropic
