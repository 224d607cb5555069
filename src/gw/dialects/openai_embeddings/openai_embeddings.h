#pragma once
// The OpenAI Embeddings client route (POST /v1/embeddings): its request checked and its reply
// rendered. Errors use the OpenAI error shape of openai_chat_dialect().
#include <string>
#include <string_view>

#include "gw/canonical/embedding.h"
#include "gw/common/result.h"

namespace gw::openai {

// A request body -> EmbeddingRequest. `model` and `input` are required; `input` is a string, an
// array of strings, an array of token ids, or an array of such arrays (never empty, no empty
// string); `encoding_format` is "float" or "base64"; `dimensions` a positive integer. Errors are
// InvalidRequest naming the field ("input[3]").
Result<EmbeddingRequest> parse_embedding_request(std::string_view body);

// The reply to the client: the upstream's list with `model` set to the name the client asked for,
// as chat replies are.
std::string render_embedding_response(const EmbeddingResponse& resp, const EmbeddingRequest& req);

}  // namespace gw::openai
