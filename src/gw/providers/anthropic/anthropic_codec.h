#pragma once
// The codec for the Anthropic Messages API itself (type: anthropic): base_url + "/v1/messages",
// x-api-key, the deployment's anthropic-version, SSE streams. The wire format lives in
// messages_wire.h, shared with Bedrock InvokeModel and Vertex rawPredict.
#include <memory>

#include "gw/providers/codec.h"

namespace gw {

std::unique_ptr<ProviderCodec> make_anthropic_codec(const config::Provider& p);

namespace anthropic {

// The anthropic-version a provider sends when its config names none.
inline constexpr std::string_view kDefaultApiVersion = "2023-06-01";

// Anthropic SSE bytes -> canonical events (SseReader + EventTranslator). Errors it produces name
// `provider`. finish() without message_stop yields a StreamError.
std::unique_ptr<StreamDecoder> make_messages_stream_decoder(std::string provider);

}  // namespace anthropic
}  // namespace gw
