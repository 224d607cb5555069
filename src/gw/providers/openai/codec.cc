// The ProviderCodec for OpenAI-compatible servers and Azure OpenAI: one codec, two addressing
// schemes (contract.md "base_url conventions", protocols.md 6.1).
#include <string>

#include "gw/common/json_util.h"
#include "gw/providers/json_post.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw {

namespace {

enum class Flavor { OpenAI, Azure };

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

// Percent-encodes a path segment (a deployment name may hold characters such as ':' or '/').
std::string encode_segment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class OpenAICodec final : public ProviderCodec {
 public:
  OpenAICodec(const config::Provider& p, Flavor flavor) : p_(p), flavor_(flavor) {}

  Result<UpstreamRequest> encode(const ChatRequest& req, const config::Deployment& dep) const override {
    auto body = openai::encode_chat_body(req, dep, p_.max_tokens_field);
    if (!body) {
      return body.error();
    }
    return request_to("chat/completions", dep, boost::json::serialize(*body));
  }

  // Every deployment embeds, whatever the request holds: the client's body passes through as
  // sent, with the deployment's model, in one call.
  bool can_embed(const config::Deployment& /*dep*/) const override { return true; }

  Result<void> check_embed(const EmbeddingRequest& /*req*/, const config::Deployment& /*dep*/) const override {
    return {};
  }

  Result<std::vector<UpstreamRequest>> encode_embed(const EmbeddingRequest& req,
                                                    const config::Deployment& dep) const override {
    return std::vector<UpstreamRequest>{
        request_to("embeddings", dep, with_top_level_string(req.body, "model", dep.model))};
  }

  Result<EmbeddingResponse> decode_embed(const EmbeddingRequest& /*req*/,
                                         const config::Deployment& /*dep*/,
                                         std::span<const UpstreamResponse> answers) const override {
    if (answers.size() != 1) {
      return make_error(Code::UpstreamError, "expected one embeddings answer");
    }
    return openai::decode_embeddings_body(answers.front().body);
  }

  Result<ChatResponse> decode(const UpstreamResponse& resp) const override {
    return openai::decode_chat_body(resp.body);
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override {
    return openai::make_chat_stream_decoder();
  }

  Error classify(const UpstreamResponse& resp) const override {
    return openai::classify_chat_error(resp.status, resp.headers, resp.body, p_.name);
  }

 private:
  // A POST of `body` to `operation` ("chat/completions", "embeddings") of the deployment: under
  // base_url for OpenAI, under the Azure deployment with its api-version for Azure.
  UpstreamRequest request_to(std::string_view operation, const config::Deployment& dep, std::string body) const {
    const std::string base = trim_slash(p_.base_url);
    std::string url = flavor_ == Flavor::Azure
                          ? base + "/openai/deployments/" + encode_segment(dep.model) + "/" + std::string(operation) +
                                "?api-version=" + encode_segment(p_.api_version)
                          : base + "/" + std::string(operation);
    Headers own;
    if (!p_.api_key.empty()) {
      if (flavor_ == Flavor::Azure) {
        own.emplace_back("api-key", p_.api_key);
      } else {
        own.emplace_back("authorization", "Bearer " + p_.api_key);
      }
    }
    return json_post(p_, std::move(url), std::move(body), std::move(own));
  }

  const config::Provider& p_;
  Flavor flavor_;
};

}  // namespace

std::unique_ptr<ProviderCodec> make_openai_codec(const config::Provider& p) {
  return std::make_unique<OpenAICodec>(p, Flavor::OpenAI);
}

std::unique_ptr<ProviderCodec> make_azure_openai_codec(const config::Provider& p) {
  return std::make_unique<OpenAICodec>(p, Flavor::Azure);
}

}  // namespace gw
