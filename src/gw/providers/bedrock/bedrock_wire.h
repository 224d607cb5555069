#pragma once
// The pieces of the Bedrock codec, as pure functions so each is tested alone: addressing, the
// InvokeModel and Converse bodies, the stream decoder and error classification.
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gw/canonical/chat.h"
#include "gw/canonical/embedding.h"
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

// ---- embeddings (embeddings.cc) ----

// The embedding models Bedrock serves through InvokeModel, each with its own body:
//  Titan      amazon.titan-embed-text-v1 (and the other v1 ids): {"inputText"}, one text a call;
//  TitanV2    amazon.titan-embed-text-v2:0: also "dimensions" (256, 512, 1024) and "normalize";
//  Cohere     cohere.embed-english-v3, cohere.embed-multilingual-v3: {"texts": up to 96, ...}.
enum class EmbedFamily { None, Titan, TitanV2, Cohere };

// The family of a model id, which may carry a cross-region prefix ("us.") or be an ARN naming the
// model; None for every other model (chat models, application inference profiles).
EmbedFamily embed_family(std::string_view model_id);

// Whether the family can carry the request: token ids (neither shares OpenAI's tokenizer), and
// `dimensions` (TitanV2 alone takes them, and only 256, 512 or 1024), are 400s naming the field.
Result<void> check_embed_request(const EmbeddingRequest& req, EmbedFamily family);

// The InvokeModel bodies for the request: one per text for Titan, one per 96 texts for Cohere.
Result<std::vector<std::string>> encode_embed_bodies(const EmbeddingRequest& req, EmbedFamily family);

// The answers to encode_embed_bodies()'s bodies, in order -> one vector per input. Titan's
// inputTextTokenCount (else the X-Amzn-Bedrock-Input-Token-Count header) summed; Cohere's
// header summed; usage 0 when any answer lacks its count.
Result<EmbeddingResponse> decode_embed_answers(const EmbeddingRequest& req,
                                               EmbedFamily family,
                                               std::span<const UpstreamResponse> answers);

// "/model/{id}/invoke", whatever the model (embedding models take no Messages body).
std::string invoke_path(std::string_view model_id);

// ---- errors (errors.cc) ----

// The AWS error name of a response: x-amzn-errortype, else body code, else __type, cut at the
// first ':' or ',' and after a '#' ("ThrottlingException").
std::string aws_error_name(const Headers& headers, const boost::json::object* body);

// A non-2xx Bedrock answer -> Error.
Error classify_error(const UpstreamResponse& resp, std::string_view provider);

// An in-stream exception frame (:exception-type, camelCase) or error frame (:error-code) -> Error.
Error stream_exception(std::string_view type, std::string_view message, std::string_view provider);

}  // namespace gw::bedrock
