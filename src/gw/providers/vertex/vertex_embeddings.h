#pragma once
// Google's text embedding models on Vertex AI (text-embedding-005,
// text-multilingual-embedding-002, gemini-embedding-001): :predict with
// {"instances":[{"content":...}],"parameters":{...}}, answered with one prediction per instance.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gw/canonical/embedding.h"
#include "gw/common/http_types.h"
#include "gw/common/result.h"
#include "gw/config/schema.h"

namespace gw::vertex {

// Whether a Vertex model id names one of Google's text embedding models.
bool is_embedding_model(std::string_view model);

// Whether the model can carry the request: token ids are a 400 naming `input` (Google's models do
// not share OpenAI's tokenizer).
Result<void> check_embed_request(const EmbeddingRequest& req, std::string_view model);

// The :predict bodies for the request: batches of up to 250 instances (Vertex's limit), or one
// instance a call for gemini-embedding models, which take no more. `dimensions` becomes
// parameters.outputDimensionality; autoTruncate is off, so an over-long input is the upstream's
// 400 rather than a vector of part of it.
Result<std::vector<std::string>> encode_embed_bodies(const EmbeddingRequest& req,
                                                     std::string_view model);

// The answers, in order -> one vector per input; usage the sum of statistics.token_count (0 when
// any prediction lacks it).
Result<EmbeddingResponse> decode_embed_answers(const EmbeddingRequest& req,
                                               std::span<const UpstreamResponse> answers);

// {base}/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:predict
// (codec.cc, addressed as predict_url() is).
std::string google_predict_url(const config::Provider& p, std::string_view model);

}  // namespace gw::vertex
