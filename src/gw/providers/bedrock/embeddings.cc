// Embeddings through Bedrock's InvokeModel: Amazon Titan Text Embeddings (one text a call) and
// Cohere Embed v3 (up to 96 texts a call), their bodies and answers (bedrock_wire.h).
#include <algorithm>
#include <string>

#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/bedrock/sigv4.h"

namespace gw::bedrock {

namespace json = boost::json;

namespace {

// Cohere Embed v3 takes at most 96 texts in one call.
constexpr size_t kCohereMaxTexts = 96;

// What the family is known by once a cross-region prefix ("us.", "global.") or an ARN's path is
// taken off: the id itself, or what follows its first dot.
bool names_model(std::string_view id, std::string_view prefix) {
  if (const size_t slash = id.rfind('/'); slash != std::string_view::npos) {
    id.remove_prefix(slash + 1);
  }
  if (id.starts_with(prefix)) {
    return true;
  }
  const size_t dot = id.find('.');
  return dot != std::string_view::npos && id.substr(dot + 1).starts_with(prefix);
}

std::string_view family_name(EmbedFamily family) {
  return family == EmbedFamily::Cohere ? "Cohere Embed" : "Amazon Titan Embeddings";
}

std::string titan_body(const std::string& text, const EmbeddingRequest& req, EmbedFamily family) {
  json::object body{{"inputText", text}};
  if (family == EmbedFamily::TitanV2) {
    if (req.dimensions) {
      body["dimensions"] = *req.dimensions;
    }
    body["normalize"] =
        true;  // OpenAI's vectors are unit length; clients compare them by dot product
  }
  return json::serialize(body);
}

std::string cohere_body(std::span<const std::string> texts) {
  json::array batch;
  batch.reserve(texts.size());
  for (const std::string& t : texts) {
    batch.emplace_back(t);
  }
  return json::serialize(json::object{{"texts", std::move(batch)},
                                      {"input_type", "search_document"},
                                      {"embedding_types", json::array{"float"}}});
}

Result<json::object> answer_object(const UpstreamResponse& resp) {
  json::error_code ec;
  json::value v = json::parse(resp.body, ec);
  if (ec || !v.is_object()) {
    return make_error(Code::UpstreamError,
                      "Bedrock returned an embeddings answer that is not a JSON object");
  }
  return std::move(v.get_object());
}

std::optional<uint64_t> header_tokens(const UpstreamResponse& resp) {
  if (auto n = header_int(resp.headers, "x-amzn-bedrock-input-token-count")) {
    return static_cast<uint64_t>(*n);
  }
  return std::nullopt;
}

// A Titan answer: {"embedding":[...],"inputTextTokenCount":N}.
Result<std::vector<float>> titan_vector(const json::object& o) {
  const json::value* e = o.if_contains("embedding");
  if (e == nullptr) {
    return make_error(Code::UpstreamError, "Titan embeddings answer has no embedding");
  }
  return read_embedding(*e, "Titan embedding");
}

std::optional<uint64_t> titan_tokens(const json::object& o, const UpstreamResponse& resp) {
  const json::value* n = o.if_contains("inputTextTokenCount");
  if (n != nullptr && n->is_uint64()) {
    return n->get_uint64();
  }
  if (n != nullptr && n->is_int64() && n->get_int64() >= 0) {
    return static_cast<uint64_t>(n->get_int64());
  }
  return header_tokens(resp);
}

// A Cohere answer's vectors: "embeddings_by_type" ({"float":[[...]]}) or the older
// "embeddings_floats" form ([[...]]).
Result<void> cohere_vectors(const json::object& o, std::vector<std::vector<float>>& out) {
  const json::value* e = o.if_contains("embeddings");
  if (e != nullptr && e->is_object()) {
    e = e->get_object().if_contains("float");
  }
  if (e == nullptr || !e->is_array()) {
    return make_error(Code::UpstreamError, "Cohere embeddings answer has no float embeddings");
  }
  for (const json::value& v : e->get_array()) {
    auto vec = read_embedding(v, "Cohere embedding");
    if (!vec) {
      return vec.error();
    }
    out.push_back(std::move(*vec));
  }
  return {};
}

}  // namespace

EmbedFamily embed_family(std::string_view model_id) {
  if (names_model(model_id, "amazon.titan-embed-text-v2")) {
    return EmbedFamily::TitanV2;
  }
  if (names_model(model_id, "amazon.titan-embed")) {
    return EmbedFamily::Titan;
  }
  if (names_model(model_id, "cohere.embed")) {
    return EmbedFamily::Cohere;
  }
  return EmbedFamily::None;
}

Result<void> check_embed_request(const EmbeddingRequest& req, EmbedFamily family) {
  if (family == EmbedFamily::None) {
    return make_error(Code::InvalidRequest, "this Bedrock model does not embed");
  }
  if (req.token_ids) {
    return invalid_field(
        "input", std::string(family_name(family)) + " on Bedrock takes text, not token ids");
  }
  if (!req.dimensions) {
    return {};
  }
  if (family != EmbedFamily::TitanV2) {
    return invalid_field("dimensions", "is not supported by " + std::string(family_name(family)) +
                                           " on Bedrock (only Titan Text Embeddings V2 takes it)");
  }
  if (*req.dimensions != 256 && *req.dimensions != 512 && *req.dimensions != 1024) {
    return invalid_field("dimensions", "must be 256, 512 or 1024 for Titan Text Embeddings V2");
  }
  return {};
}

Result<std::vector<std::string>> encode_embed_bodies(const EmbeddingRequest& req,
                                                     EmbedFamily family) {
  if (auto ok = check_embed_request(req, family); !ok) {
    return ok.error();
  }
  std::vector<std::string> bodies;
  if (family == EmbedFamily::Cohere) {
    const std::span<const std::string> texts(req.texts);
    for (size_t at = 0; at < texts.size(); at += kCohereMaxTexts) {
      bodies.push_back(
          cohere_body(texts.subspan(at, std::min(kCohereMaxTexts, texts.size() - at))));
    }
    return bodies;
  }
  for (const std::string& text : req.texts) {
    bodies.push_back(titan_body(text, req, family));
  }
  return bodies;
}

Result<EmbeddingResponse> decode_embed_answers(const EmbeddingRequest& req,
                                               EmbedFamily family,
                                               std::span<const UpstreamResponse> answers) {
  CloudEmbeddings got;
  got.vectors.reserve(req.texts.size());
  for (const UpstreamResponse& resp : answers) {
    auto o = answer_object(resp);
    if (!o) {
      return o.error();
    }
    if (family == EmbedFamily::Cohere) {
      if (auto ok = cohere_vectors(*o, got.vectors); !ok) {
        return ok.error();
      }
      got.add_tokens(header_tokens(resp));
    } else {
      auto vec = titan_vector(*o);
      if (!vec) {
        return vec.error();
      }
      got.vectors.push_back(std::move(*vec));
      got.add_tokens(titan_tokens(*o, resp));
    }
  }
  return std::move(got).finish(req.texts.size(), "Bedrock");
}

std::string invoke_path(std::string_view model_id) {
  return "/model/" + encode_model_id(model_id) + "/invoke";
}

}  // namespace gw::bedrock
