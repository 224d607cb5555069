// libFuzzer target: the clouds' embedding answers (Bedrock's Titan and Cohere InvokeModel answers,
// Vertex AI's :predict predictions), each decoded for a request of three texts, and when accepted,
// rendered for the client in both encodings, which must be valid JSON with one embedding per
// input. The first byte picks the family and whether the token-count header is present, the rest
// is the body. None of it may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "gw/dialects/openai_embeddings/openai_embeddings.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/vertex/vertex_embeddings.h"

namespace {

void must(bool ok) {
  if (!ok) {
    std::abort();
  }
}

gw::Result<gw::EmbeddingResponse> decode(uint8_t selector,
                                         const gw::EmbeddingRequest& req,
                                         const gw::UpstreamResponse& resp) {
  const std::span<const gw::UpstreamResponse> one(&resp, 1);
  switch (selector % 4) {
    case 0:
      return gw::bedrock::decode_embed_answers(req, gw::bedrock::EmbedFamily::TitanV2, one);
    case 1:
      return gw::bedrock::decode_embed_answers(req, gw::bedrock::EmbedFamily::Titan, one);
    case 2:
      return gw::bedrock::decode_embed_answers(req, gw::bedrock::EmbedFamily::Cohere, one);
    default:
      return gw::vertex::decode_embed_answers(req, one);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const uint8_t selector = data[0];
  gw::UpstreamResponse resp;
  resp.status = 200;
  resp.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((selector & 4) != 0) {
    resp.headers.emplace_back("x-amzn-bedrock-input-token-count", "3");
  }
  gw::EmbeddingRequest req;
  req.model = "client \"alias\"";
  // Titan answers one text per call: a request of one; the batch APIs a request of three.
  const bool titan = selector % 4 < 2;
  req.texts = titan ? std::vector<std::string>{"a"} : std::vector<std::string>{"a", "b", "c"};
  auto answer = decode(selector, req, resp);
  if (!answer) {
    must(answer.error().code == gw::Code::UpstreamError);
    return 0;
  }
  must(answer->vectors.size() == req.texts.size());
  for (const gw::EmbeddingEncoding enc :
       {gw::EmbeddingEncoding::Float, gw::EmbeddingEncoding::Base64}) {
    req.encoding = enc;
    const std::string out = gw::openai::render_embedding_response(*answer, req);
    boost::json::error_code ec;
    const boost::json::value v = boost::json::parse(out, ec);
    must(!ec && v.is_object());
    must(v.at("data").as_array().size() == req.texts.size());
    must(v.at("model") == "client \"alias\"");
  }
  return 0;
}
