#pragma once
// An embeddings request and its answer (POST /v1/embeddings). Only OpenAI-format upstreams
// (OpenAI, Azure OpenAI, vLLM, llama.cpp, ...) embed: vectors of different models live in different
// spaces, so failover is between deployments of the same model, never a translation. The client's
// body therefore travels as it came, byte for byte, with `model` set to the deployment's:
// re-serializing it would change what the client wrote (Boost.JSON 1.81 reads some numbers
// inexactly, and `0e300370955` as NaN, which it then prints as invalid JSON).
#include <cstdint>
#include <string>

#include "gw/canonical/usage.h"

namespace gw {

struct EmbeddingRequest {
  std::string model;          // the name the client asked for
  std::string body;           // the client's JSON text: input, encoding_format, dimensions, ...
  uint64_t input_estimate = 0;  // tokens, for limits and route: cost before the upstream counts
};

struct EmbeddingResponse {
  // The upstream's list of embeddings, as the bytes it sent: the vectors reach the client exactly
  // as written (a parse and re-serialization may move a float by an ulp).
  std::string body;
  Usage usage;  // usage.prompt_tokens as input; embeddings produce no output tokens
};

}  // namespace gw
