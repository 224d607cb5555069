// Addressing and body shape of Claude on Vertex (protocols.md 5.1, 5.2); the Messages wire format
// itself is shared with the anthropic provider (messages_wire.h).
#include <string>

#include "gw/common/percent.h"
#include "gw/providers/anthropic/anthropic_codec.h"
#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/json_post.h"
#include "gw/providers/vertex/vertex_codec.h"
#include "gw/providers/vertex/vertex_embeddings.h"

namespace gw::vertex {

namespace {

namespace json = boost::json;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

// RFC 3986 pchar minus ';' (the Vertex SDK encodes it) and '/' (it would split the segment).
bool segment_safe(char c) {
  return is_unreserved(c) || std::string_view("@:!$&'()*+,=").find(c) != std::string_view::npos;
}

void append_segment(std::string_view s, std::string& out) {
  percent_encode(s, &segment_safe, out);
}

class VertexCodec final : public ProviderCodec {
 public:
  explicit VertexCodec(const config::Provider& p) : p_(p) {}

  Result<UpstreamRequest> encode(const ChatRequest& req,
                                 const config::Deployment& dep) const override {
    anthropic::BodyOptions opts;
    opts.include_model = false;  // the model is in the URL; Vertex rejects it in the body
    opts.anthropic_version = std::string(kVertexAnthropicVersion);
    opts.betas_in_body = false;       // Vertex takes anthropic-beta as a header
    opts.include_stream_flag = true;  // Vertex wants "stream": true with :streamRawPredict
    auto body = anthropic::encode_request_body(req, dep, opts);
    if (!body) {
      return body.error();
    }
    return request(predict_url(p_, dep.model, req.stream), req, *body);
  }

  // count-tokens:rawPredict, the model named in the body (protocols.md 5.4).
  bool can_count(const config::Deployment& /*dep*/) const override { return true; }

  Result<UpstreamRequest> encode_count(const ChatRequest& req,
                                       const config::Deployment& dep) const override {
    anthropic::BodyOptions opts;
    opts.include_model = true;
    opts.anthropic_version = std::string(kVertexAnthropicVersion);
    auto body = anthropic::encode_count_body(req, dep, opts);
    if (!body) {
      return body.error();
    }
    return request(count_tokens_url(p_), req, *body);
  }

  Result<uint64_t> decode_count(const UpstreamResponse& resp) const override {
    return anthropic::decode_count_body(resp.body, "input_tokens", p_.name);
  }

  Result<ChatResponse> decode(const UpstreamResponse& resp) const override {
    return anthropic::decode_response_body(resp.body, p_.name);
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override {
    // :streamRawPredict speaks exactly the Anthropic SSE of protocols.md 2.7.
    return anthropic::make_messages_stream_decoder(p_.name);
  }

  Error classify(const UpstreamResponse& resp) const override {
    return classify_error(resp, p_.name);
  }

  // Google's own text embedding models, through :predict (embeddings.cc); Claude does not embed.
  bool can_embed(const config::Deployment& dep) const override {
    return is_embedding_model(dep.model);
  }

  Result<void> check_embed(const EmbeddingRequest& req, const config::Deployment& dep) const override {
    return check_embed_request(req, dep.model);
  }

  Result<std::vector<UpstreamRequest>> encode_embed(const EmbeddingRequest& req,
                                                    const config::Deployment& dep) const override {
    auto bodies = encode_embed_bodies(req, dep.model);
    if (!bodies) {
      return bodies.error();
    }
    std::vector<UpstreamRequest> out;
    out.reserve(bodies->size());
    for (std::string& body : *bodies) {
      out.push_back(json_post(p_, google_predict_url(p_, dep.model), std::move(body)));
    }
    return out;
  }

  Result<EmbeddingResponse> decode_embed(const EmbeddingRequest& req,
                                         const config::Deployment& /*dep*/,
                                         std::span<const UpstreamResponse> answers) const override {
    auto r = decode_embed_answers(req, answers);
    if (!r) {
      Error e = r.error();
      e.provider = p_.name;
      return e;
    }
    return r;
  }

 private:
  UpstreamRequest request(std::string url, const ChatRequest& req, const json::object& body) const {
    Headers own;
    if (!req.anthropic_beta.empty()) {
      own.emplace_back("anthropic-beta", req.anthropic_beta);
    }
    return json_post(p_, std::move(url), json::serialize(body), std::move(own));
  }

  const config::Provider& p_;
};

}  // namespace

std::unique_ptr<ProviderCodec> make_vertex_codec(const config::Provider& p) {
  return std::make_unique<VertexCodec>(p);
}

std::string default_base_url(std::string_view region) {
  if (region == "global") {
    return "https://aiplatform.googleapis.com";
  }
  if (region == "us" || region == "eu") {
    return "https://aiplatform." + std::string(region) + ".rep.googleapis.com";
  }
  return "https://" + std::string(region) + "-aiplatform.googleapis.com";
}

namespace {

// {base}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/
std::string models_url(const config::Provider& p, std::string_view publisher) {
  std::string url = p.base_url.empty() ? default_base_url(p.region) : trim_slash(p.base_url);
  url += "/v1/projects/";
  append_segment(p.project, url);
  url += "/locations/";
  append_segment(p.region, url);
  url += "/publishers/";
  url += publisher;
  url += "/models/";
  return url;
}

}  // namespace

std::string predict_url(const config::Provider& p, std::string_view model, bool stream) {
  std::string url = models_url(p, "anthropic");
  append_segment(model, url);
  url += stream ? ":streamRawPredict" : ":rawPredict";
  return url;
}

std::string count_tokens_url(const config::Provider& p) {
  return models_url(p, "anthropic") + "count-tokens:rawPredict";
}

std::string google_predict_url(const config::Provider& p, std::string_view model) {
  std::string url = models_url(p, "google");
  append_segment(model, url);
  url += ":predict";
  return url;
}

}  // namespace gw::vertex
