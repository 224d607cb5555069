// The Bedrock ProviderCodec: which API a model takes, the URL and headers (protocols.md 4.1-4.4,
// bedrock_sdk_wire_requests.json). Bodies, streams and errors live in their own files.
#include <string>

#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/bedrock/bedrock_codec.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/bedrock/sigv4.h"
#include "gw/providers/json_post.h"

namespace gw::bedrock {

namespace {

namespace json = boost::json;

constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

class BedrockCodec final : public ProviderCodec {
 public:
  explicit BedrockCodec(const config::Provider& p) : p_(p) {}

  Result<UpstreamRequest> encode(const ChatRequest& req, const config::Deployment& dep) const override {
    const Api api = api_for(dep.model);
    auto body = api == Api::InvokeModel ? encode_invoke_body(req, dep) : encode_converse_body(req, dep);
    if (!body) {
      return body.error();
    }
    Headers own;
    if (!req.stream) {
      own.emplace_back("accept", "application/json");
    } else {
      own.emplace_back("accept", std::string(kEventStream));
      if (api == Api::InvokeModel) {
        // The type of the payload inside each chunk, as the AWS SDK asks for it.
        own.emplace_back("x-amzn-bedrock-accept", "application/json");
      }
    }
    return json_post(p_, trim_slash(p_.base_url) + operation_path(dep.model, req.stream),
                     json::serialize(*body), std::move(own));
  }

  // CountTokens with the InvokeModel body (protocols.md 4.6): Bedrock counts for Anthropic models.
  bool can_count(const config::Deployment& dep) const override {
    return api_for(dep.model) == Api::InvokeModel;
  }

  Result<UpstreamRequest> encode_count(const ChatRequest& req,
                                       const config::Deployment& dep) const override {
    if (!can_count(dep)) {
      return make_error(Code::InvalidRequest,
                        "Bedrock counts tokens only for Anthropic models, not '" + dep.model + "'");
    }
    auto body = encode_count_body(req, dep);
    if (!body) {
      return body.error();
    }
    return json_post(p_, trim_slash(p_.base_url) + count_tokens_path(dep.model), json::serialize(*body));
  }

  Result<uint64_t> decode_count(const UpstreamResponse& resp) const override {
    return anthropic::decode_count_body(resp.body, "inputTokens", p_.name);
  }

  // Titan and Cohere embedding models, through InvokeModel (embeddings.cc).
  bool can_embed(const config::Deployment& dep) const override {
    return embed_family(dep.model) != EmbedFamily::None;
  }

  Result<void> check_embed(const EmbeddingRequest& req, const config::Deployment& dep) const override {
    return check_embed_request(req, embed_family(dep.model));
  }

  Result<std::vector<UpstreamRequest>> encode_embed(const EmbeddingRequest& req,
                                                    const config::Deployment& dep) const override {
    auto bodies = encode_embed_bodies(req, embed_family(dep.model));
    if (!bodies) {
      return bodies.error();
    }
    std::vector<UpstreamRequest> out;
    out.reserve(bodies->size());
    for (std::string& body : *bodies) {
      out.push_back(json_post(p_, trim_slash(p_.base_url) + invoke_path(dep.model), std::move(body),
                              {{"accept", "application/json"}}));
    }
    return out;
  }

  Result<EmbeddingResponse> decode_embed(const EmbeddingRequest& req,
                                         const config::Deployment& dep,
                                         std::span<const UpstreamResponse> answers) const override {
    auto r = decode_embed_answers(req, embed_family(dep.model), answers);
    if (!r) {
      Error e = r.error();
      e.provider = p_.name;
      return e;
    }
    return r;
  }

  Result<ChatResponse> decode(const UpstreamResponse& resp) const override {
    // Both answers describe themselves: Converse wraps the message in "output".
    json::error_code ec;
    json::value v = json::parse(resp.body, ec);
    const bool converse = !ec && v.is_object() && v.get_object().contains("output");
    auto r = converse ? decode_converse_body(resp.body) : decode_invoke_response(resp);
    if (!r) {
      Error e = r.error();
      e.provider = p_.name;
      return e;
    }
    return r;
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override { return make_stream_decoder(p_.name); }

  Error classify(const UpstreamResponse& resp) const override { return classify_error(resp, p_.name); }

 private:
  const config::Provider& p_;
};

}  // namespace

Api api_for(std::string_view model_id) {
  return model_id.find("anthropic.") != std::string_view::npos ? Api::InvokeModel : Api::Converse;
}

std::string encode_model_id(std::string_view model_id) { return uri_encode(model_id); }

std::string operation_path(std::string_view model_id, bool stream) {
  std::string op;
  if (api_for(model_id) == Api::InvokeModel) {
    op = stream ? "invoke-with-response-stream" : "invoke";
  } else {
    op = stream ? "converse-stream" : "converse";
  }
  return "/model/" + encode_model_id(model_id) + "/" + op;
}

std::string count_tokens_path(std::string_view model_id) {
  return "/model/" + encode_model_id(model_id) + "/count-tokens";
}

std::unique_ptr<ProviderCodec> make_bedrock_codec(const config::Provider& p) {
  return std::make_unique<BedrockCodec>(p);
}

}  // namespace gw::bedrock
