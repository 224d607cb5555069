// Google's text embedding models on Vertex AI: the :predict bodies and answers
// (vertex_embeddings.h).
#include <algorithm>
#include <cmath>

#include <boost/json.hpp>

#include "gw/providers/vertex/vertex_embeddings.h"

namespace gw::vertex {

namespace json = boost::json;

namespace {

// Vertex takes at most 250 instances in one :predict call to a text embedding model.
constexpr size_t kMaxInstances = 250;

// gemini-embedding models embed one instance per call.
size_t batch_size(std::string_view model) {
  return model.starts_with("gemini-embedding") ? 1 : kMaxInstances;
}

std::string predict_body(std::span<const std::string> texts, const EmbeddingRequest& req) {
  json::array instances;
  instances.reserve(texts.size());
  for (const std::string& t : texts) {
    instances.emplace_back(json::object{{"content", t}});
  }
  json::object parameters{{"autoTruncate", false}};
  if (req.dimensions) {
    parameters["outputDimensionality"] = *req.dimensions;
  }
  return json::serialize(
      json::object{{"instances", std::move(instances)}, {"parameters", std::move(parameters)}});
}

std::optional<uint64_t> token_count(const json::object& embeddings) {
  const json::value* stats = embeddings.if_contains("statistics");
  const json::value* n = stats != nullptr && stats->is_object()
                             ? stats->get_object().if_contains("token_count")
                             : nullptr;
  if (n == nullptr || !n->is_number()) {
    return std::nullopt;
  }
  // Google writes counts as JSON numbers that may read as doubles ("6.0").
  const double d = n->to_number<double>();
  if (!(d >= 0) || d > 1e15 || d != std::floor(d)) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(d);
}

// One answer's predictions and the tokens they report, added to `out`.
Result<void> read_predictions(const UpstreamResponse& resp, CloudEmbeddings& out) {
  json::error_code ec;
  const json::value v = json::parse(resp.body, ec);
  const json::value* preds =
      !ec && v.is_object() ? v.get_object().if_contains("predictions") : nullptr;
  if (preds == nullptr || !preds->is_array()) {
    return make_error(Code::UpstreamError, "Vertex embeddings answer has no predictions list");
  }
  for (const json::value& p : preds->get_array()) {
    const json::value* emb = p.is_object() ? p.get_object().if_contains("embeddings") : nullptr;
    if (emb == nullptr || !emb->is_object() || !emb->get_object().contains("values")) {
      return make_error(Code::UpstreamError,
                        "Vertex embeddings prediction has no embeddings.values");
    }
    auto vec = read_embedding(emb->get_object().at("values"), "Vertex embedding");
    if (!vec) {
      return vec.error();
    }
    out.vectors.push_back(std::move(*vec));
    out.add_tokens(token_count(emb->get_object()));
  }
  return {};
}

}  // namespace

bool is_embedding_model(std::string_view model) {
  for (std::string_view prefix :
       {"text-embedding-", "text-multilingual-embedding-", "gemini-embedding-"}) {
    if (model.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

Result<void> check_embed_request(const EmbeddingRequest& req, std::string_view model) {
  if (!is_embedding_model(model)) {
    return make_error(Code::InvalidRequest, "this Vertex AI model does not embed");
  }
  if (req.token_ids) {
    return invalid_field("input",
                         "Google's embedding models on Vertex AI take text, not token ids");
  }
  return {};
}

Result<std::vector<std::string>> encode_embed_bodies(const EmbeddingRequest& req,
                                                     std::string_view model) {
  if (auto ok = check_embed_request(req, model); !ok) {
    return ok.error();
  }
  const size_t per_call = batch_size(model);
  const std::span<const std::string> texts(req.texts);
  std::vector<std::string> bodies;
  for (size_t at = 0; at < texts.size(); at += per_call) {
    bodies.push_back(predict_body(texts.subspan(at, std::min(per_call, texts.size() - at)), req));
  }
  return bodies;
}

Result<EmbeddingResponse> decode_embed_answers(const EmbeddingRequest& req,
                                               std::span<const UpstreamResponse> answers) {
  CloudEmbeddings got;
  got.vectors.reserve(req.texts.size());
  for (const UpstreamResponse& resp : answers) {
    if (auto ok = read_predictions(resp, got); !ok) {
      return ok.error();
    }
  }
  return std::move(got).finish(req.texts.size(), "Vertex");
}

}  // namespace gw::vertex
