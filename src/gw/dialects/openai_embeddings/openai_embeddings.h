#pragma once
// The OpenAI Embeddings client route (POST /v1/embeddings): its request checked and its reply
// rendered. Errors use the OpenAI error shape of openai_chat_dialect().
#include <string>
#include <string_view>
#include <vector>

#include "gw/canonical/embedding.h"
#include "gw/common/result.h"

namespace gw::openai {

// A request body -> EmbeddingRequest. `model` and `input` are required; `input` is a string, an
// array of strings, an array of token ids, or an array of such arrays (never empty, no empty
// string); `encoding_format` is "float" or "base64"; `dimensions` a positive integer. Errors are
// InvalidRequest naming the field ("input[3]").
Result<EmbeddingRequest> parse_embedding_request(std::string_view body);

// The reply to the client, with `model` set to the name the client asked for, as chat replies are:
// an OpenAI-format upstream's list as it sent it, or a cloud's vectors rendered as OpenAI's list
// (render_embedding_list).
std::string render_embedding_response(const EmbeddingResponse& resp, const EmbeddingRequest& req);

// {"object":"list","data":[{"object":"embedding","index":i,"embedding":...}],"model":...,
// "usage":{"prompt_tokens":n,"total_tokens":n}}: each embedding a JSON array of the shortest
// numbers that read back as the same float32 values, or with EmbeddingEncoding::Base64 the base64
// of those values as little-endian float32, as OpenAI encodes them.
std::string render_embedding_list(const std::vector<std::vector<float>>& vectors,
                                  uint64_t prompt_tokens,
                                  std::string_view model,
                                  EmbeddingEncoding encoding);

// One vector as base64 of its little-endian float32 bytes.
std::string float32_base64(const std::vector<float>& v);

}  // namespace gw::openai
