#pragma once
// An embeddings request and its answer (POST /v1/embeddings). Only OpenAI-format upstreams
// (OpenAI, Azure OpenAI, vLLM, llama.cpp, ...) embed: vectors of different models live in different
// spaces, so failover is between deployments of the same model, never a translation. The client's
// body therefore travels as it came, with `model` set to the deployment's.
#include <boost/json.hpp>

#include <cstdint>
#include <string>

#include "gw/canonical/usage.h"

namespace gw {

struct EmbeddingRequest {
  std::string model;          // the name the client asked for
  boost::json::object body;   // the client's body: input, encoding_format, dimensions, user, ...
  uint64_t input_estimate = 0;  // tokens, for limits and route: cost before the upstream counts
};

struct EmbeddingResponse {
  // The upstream's list of embeddings, as the bytes it sent: the vectors reach the client exactly
  // as written (a parse and re-serialization may move a float by an ulp).
  std::string body;
  Usage usage;  // usage.prompt_tokens as input; embeddings produce no output tokens
};

}  // namespace gw
