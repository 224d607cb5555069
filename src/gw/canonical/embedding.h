#pragma once
// An embeddings request and its answer (POST /v1/embeddings). Vectors of different models live in
// different spaces, so failover is between deployments of the same model, never a translation of
// one model's vectors into another's. Two kinds of upstream serve them:
//  - OpenAI-format ones (OpenAI, Azure OpenAI, vLLM, llama.cpp, ...) take the client's body as it
//    came, byte for byte, with `model` set to the deployment's, and answer the list the client
//    gets: re-serializing either would change what was written (Boost.JSON 1.81 reads some
//    numbers inexactly, and `0e300370955` as NaN, which it then prints as invalid JSON);
//  - the clouds' own embedding APIs (Bedrock's Titan and Cohere, Vertex AI's text embeddings) take
//    the texts in their own shapes and answer vectors that are rendered to OpenAI's list.
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gw/canonical/usage.h"
#include "gw/common/result.h"

namespace gw {

enum class EmbeddingEncoding { Float, Base64 };

struct EmbeddingRequest {
  std::string model;          // the name the client asked for
  std::string body;           // the client's JSON text: input, encoding_format, dimensions, ...
  uint64_t input_estimate = 0;  // tokens, for limits and route: cost before the upstream counts
  // What the clouds' APIs are given. `texts` holds the inputs when they are strings (one string is
  // a list of one); token-id inputs leave it empty and set `token_ids`: only OpenAI-format
  // upstreams share OpenAI's tokenizer, so only they can take them.
  std::vector<std::string> texts;
  bool token_ids = false;
  std::optional<uint64_t> dimensions;
  EmbeddingEncoding encoding = EmbeddingEncoding::Float;  // OpenAI's default when absent
};

struct EmbeddingResponse {
  // From an OpenAI-format upstream: its list of embeddings, as the bytes it sent, so the vectors
  // reach the client exactly as written (a parse and re-serialization may move a float by an ulp).
  // Empty for a cloud's answer, whose vectors are in `vectors`.
  std::string body;
  // From a cloud's API: one vector per input, in input order, as float32 (what OpenAI's base64
  // encoding carries, and what the clouds compute).
  std::vector<std::vector<float>> vectors;
  Usage usage;  // usage.prompt_tokens as input; embeddings produce no output tokens; 0: not reported
};

// A cloud's answers to one request, gathered in order (a call per text or per batch): their
// vectors, and the tokens they reported while every one reported them.
struct CloudEmbeddings {
  std::vector<std::vector<float>> vectors;
  uint64_t tokens = 0;
  bool counted = true;

  void add_tokens(std::optional<uint64_t> n) {
    counted = counted && n.has_value();
    tokens += n.value_or(0);
  }
  // The response to `inputs` texts: an UpstreamError naming `cloud` unless there is one vector per
  // input; usage 0 (not reported) unless every answer reported its tokens.
  Result<EmbeddingResponse> finish(size_t inputs, std::string_view cloud) &&;
};

// A JSON array of numbers -> float32 values: each number read as a double, then rounded to the
// nearest float32, as a client reading it into a Float32Array (JavaScript, numpy) gets it. An
// element that is not a number, or one beyond float32's range, is an UpstreamError naming `what`.
Result<std::vector<float>> read_embedding(const boost::json::value& v, std::string_view what);

}  // namespace gw
