#pragma once
// Codecs for OpenAI-compatible upstreams (OpenAI, vLLM, llama.cpp, Ollama, ...) and Azure OpenAI.
// Both speak the same body and stream format; only the URL and the credential header differ.
#include <boost/json.hpp>
#include <memory>
#include <string_view>

#include "gw/providers/codec.h"

namespace gw {

std::unique_ptr<ProviderCodec> make_openai_codec(const config::Provider& p);
std::unique_ptr<ProviderCodec> make_azure_openai_codec(const config::Provider& p);

namespace openai {

// Canonical request -> chat completions body (model = dep.model). When the client spoke OpenAI,
// its unknown top-level and message fields are merged back (same-dialect pass-through). The output
// limit travels in `limit_field` (the provider's max_tokens_field).
Result<boost::json::object> encode_chat_body(
    const ChatRequest& req, const config::Deployment& dep,
    config::MaxTokensField limit_field = config::MaxTokensField::Auto);

// A chat.completion body -> canonical.
Result<ChatResponse> decode_chat_body(std::string_view body);

// An embeddings list body (protocols.md: OpenAI /v1/embeddings) -> its object and usage.
Result<EmbeddingResponse> decode_embeddings_body(std::string_view body);

// finish_reason -> canonical (protocols.md 3.4); unknown values are a natural stop.
StopReason stop_reason_of(std::string_view finish_reason);

// An OpenAI (or Azure) error response -> Error, for provider `provider`.
Error classify_chat_error(unsigned status, const Headers& headers, std::string_view body,
                          std::string_view provider);

// Streamed chat.completion.chunk SSE -> canonical events.
std::unique_ptr<StreamDecoder> make_chat_stream_decoder();

}  // namespace openai
}  // namespace gw
