// An OpenAI embeddings list -> EmbeddingResponse: checked and its usage read with the thread's
// simdjson parser; the text itself is kept as sent (canonical/embedding.h says why).
#include "gw/providers/openai/openai_codec.h"
#include "gw/providers/openai/read_json.h"

namespace gw::openai {

Result<EmbeddingResponse> decode_embeddings_body(std::string_view body) {
  dom::object o;
  if (!parse_answer(body, o)) {
    return make_error(Code::UpstreamError, "upstream returned a body that is not a JSON object");
  }
  if (has_non_null(o, "error")) {
    return make_error(Code::UpstreamError, "upstream returned an error in a 2xx response");
  }
  if (dom::array data; !array_field(o, "data", data)) {
    return make_error(Code::UpstreamError, "upstream embeddings response has no data list");
  }
  EmbeddingResponse r;
  if (dom::object u; object_field(o, "usage", u)) {
    // Embeddings have no output: prompt_tokens is what the upstream bills (total_tokens equals it).
    r.usage.input = u64_field(u, "prompt_tokens");
    if (r.usage.input == 0) {
      r.usage.input = u64_field(u, "total_tokens");
    }
  }
  r.body = std::string(body);
  return r;
}

}  // namespace gw::openai
