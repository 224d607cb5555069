#pragma once
// The pieces of the Bedrock codec, as pure functions so each is tested alone: addressing, the
// InvokeModel and Converse bodies, the stream decoder and error classification.
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gw/canonical/chat.h"
#include "gw/common/base64.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"
#include "gw/providers/codec.h"

namespace gw::bedrock {

// ---- addressing (codec.cc) ----

enum class Api { InvokeModel, Converse };

// Anthropic models (base ids, inference profiles such as us.anthropic.…, ARNs naming them) take
// Messages bodies through InvokeModel; everything else (Nova, Llama, Mistral, application
// inference profiles) goes through Converse, which every Bedrock text model speaks.
Api api_for(std::string_view model_id);

// The model id as one path segment, the way the AWS SDK sends it (':' -> %3A, '/' -> %2F).
std::string encode_model_id(std::string_view model_id);

// "/model/{id}/invoke", ".../invoke-with-response-stream", ".../converse", ".../converse-stream".
std::string operation_path(std::string_view model_id, bool stream);

// "/model/{id}/count-tokens" (CountTokens, protocols.md 4.6).
std::string count_tokens_path(std::string_view model_id);

// ---- InvokeModel (invoke_codec.cc) ----

inline constexpr std::string_view kBedrockAnthropicVersion = "bedrock-2023-05-31";

// A Messages body as Bedrock takes it: no model, no stream flag, anthropic_version and
// anthropic_beta in the body, metadata reduced to user_id (anything else is a 400 there).
Result<boost::json::object> encode_invoke_body(const ChatRequest& req, const config::Deployment& dep);

// A CountTokens body for an Anthropic model (protocols.md 4.6):
// {"input":{"invokeModel":{"body":"<base64 of encode_invoke_body()'s JSON>"}}}.
Result<boost::json::object> encode_count_body(const ChatRequest& req, const config::Deployment& dep);

// A 200 InvokeModel answer; usage filled from X-Amzn-Bedrock-*-Token-Count when the body has none.
Result<ChatResponse> decode_invoke_response(const UpstreamResponse& resp);

// ---- Converse (converse_codec.cc) ----

// Canonical -> Converse JSON (camelCase, protocols.md 4.4). 400 naming the field for what Converse
// cannot carry (URL images, JSON mode without a schema).
Result<boost::json::object> encode_converse_body(const ChatRequest& req, const config::Deployment& dep);

// A 200 Converse answer -> canonical.
Result<ChatResponse> decode_converse_body(std::string_view body);

// Converse stopReason -> canonical (protocols.md 3.4).
StopReason converse_stop_reason(std::string_view s);

// Converse usage {inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens}.
Usage converse_usage(const boost::json::object& usage);

// ---- streams (stream_decoder.cc, converse_stream.cc) ----

// Event-stream bytes of either API -> canonical events: `chunk` frames carry Anthropic events,
// Converse frames are named by :event-type, exception/error frames become a StreamError.
std::unique_ptr<StreamDecoder> make_stream_decoder(std::string provider);

// Standard base64 (common/base64.h): the chunks' `bytes`, CountTokens' body.
using gw::base64_decode;
using gw::base64_encode;

// ---- errors (errors.cc) ----

// The AWS error name of a response: x-amzn-errortype, else body code, else __type, cut at the
// first ':' or ',' and after a '#' ("ThrottlingException").
std::string aws_error_name(const Headers& headers, const boost::json::object* body);

// A non-2xx Bedrock answer -> Error.
Error classify_error(const UpstreamResponse& resp, std::string_view provider);

// An in-stream exception frame (:exception-type, camelCase) or error frame (:error-code) -> Error.
Error stream_exception(std::string_view type, std::string_view message, std::string_view provider);

}  // namespace gw::bedrock
