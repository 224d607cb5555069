// Reading a cloud's embedding vectors into float32 values, and gathering its answers (canonical/embedding.h).
#include "gw/canonical/embedding.h"

#include <cmath>
#include <string>

#include <boost/json.hpp>

namespace gw {

Result<std::vector<float>> read_embedding(const boost::json::value& v, std::string_view what) {
  const boost::json::array* a = v.if_array();
  if (a == nullptr) {
    return make_error(Code::UpstreamError,
                      "upstream " + std::string(what) + " is not an array of numbers");
  }
  std::vector<float> out;
  out.reserve(a->size());
  for (const boost::json::value& x : *a) {
    if (!x.is_number()) {
      return make_error(Code::UpstreamError,
                        "upstream " + std::string(what) + " holds a value that is not a number");
    }
    // The nearest float32, as a client reading the number into a Float32Array would get it. A
    // value beyond float32's range would become infinity, which neither JSON nor base64 float32
    // vectors should carry.
    const float f = static_cast<float>(x.to_number<double>());
    if (!std::isfinite(f)) {
      return make_error(Code::UpstreamError,
                        "upstream " + std::string(what) + " holds a value beyond float32's range");
    }
    out.push_back(f);
  }
  return out;
}

Result<EmbeddingResponse> CloudEmbeddings::finish(size_t inputs, std::string_view cloud) && {
  if (vectors.size() != inputs) {
    return make_error(Code::UpstreamError, std::string(cloud) + " answered " + std::to_string(vectors.size()) +
                                               " embeddings for " + std::to_string(inputs) + " inputs");
  }
  EmbeddingResponse r;
  r.vectors = std::move(vectors);
  r.usage.input = counted ? tokens : 0;
  return r;
}

}  // namespace gw
