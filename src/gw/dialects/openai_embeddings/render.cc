// Embeddings replies to the client (openai_embeddings.h). A cloud's vectors are written as OpenAI
// writes its own: float32 values, either as JSON numbers or as base64 of their bytes.
#include <bit>
#include <charconv>
#include <cstdint>
#include <string>

#include "gw/common/base64.h"
#include "gw/common/json_util.h"
#include "gw/dialects/openai_embeddings/openai_embeddings.h"

namespace gw::openai {

namespace {

// std::to_chars' shortest form for a float: the fewest digits that read back (as float32) to the
// same value, so nothing is lost and nothing is invented. Values are finite (read_embedding).
void append_float(std::string& out, float f) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_float_array(std::string& out, const std::vector<float>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    append_float(out, v[i]);
  }
  out += ']';
}

}  // namespace

std::string float32_base64(const std::vector<float>& v) {
  std::string bytes;
  bytes.reserve(v.size() * 4);
  for (const float f : v) {
    // Little-endian whatever the host's order, as OpenAI's encoding (and numpy's '<f4') is.
    const auto bits = std::bit_cast<uint32_t>(f);
    for (int shift = 0; shift < 32; shift += 8) {
      bytes += static_cast<char>((bits >> shift) & 0xff);
    }
  }
  return base64_encode(bytes);
}

std::string render_embedding_list(const std::vector<std::vector<float>>& vectors,
                                  uint64_t prompt_tokens,
                                  std::string_view model,
                                  EmbeddingEncoding encoding) {
  std::string out = R"({"object":"list","data":[)";
  for (size_t i = 0; i < vectors.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)";
    if (encoding == EmbeddingEncoding::Base64) {
      out += '"' + float32_base64(vectors[i]) + '"';
    } else {
      append_float_array(out, vectors[i]);
    }
    out += '}';
  }
  out += R"(],"model":)";
  append_json_string(out, model);
  const std::string n = std::to_string(prompt_tokens);
  out += R"(,"usage":{"prompt_tokens":)" + n + R"(,"total_tokens":)" + n + "}}";
  return out;
}

std::string render_embedding_response(const EmbeddingResponse& resp, const EmbeddingRequest& req) {
  if (!resp.body.empty()) {
    return with_top_level_string(resp.body, "model", req.model);
  }
  return render_embedding_list(resp.vectors, resp.usage.input, req.model, req.encoding);
}

}  // namespace gw::openai
