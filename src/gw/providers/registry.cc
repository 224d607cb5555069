// The one place that knows every provider type: config type -> codec and signer.
#include "gw/providers/anthropic/anthropic_codec.h"
#include "gw/providers/azure/azure_signer.h"
#include "gw/providers/bedrock/bedrock_codec.h"
#include "gw/providers/bedrock/bedrock_signer.h"
#include "gw/providers/bedrock/credential_set.h"
#include "gw/providers/codec.h"
#include "gw/providers/openai/openai_codec.h"
#include "gw/providers/signer.h"
#include "gw/providers/vertex/vertex_codec.h"
#include "gw/providers/vertex/service_account.h"
#include "gw/providers/vertex/vertex_signer.h"

namespace gw {

std::unique_ptr<ProviderCodec> make_codec(const config::Provider& p) {
  switch (p.type) {
    case config::ProviderType::OpenAI: return make_openai_codec(p);
    case config::ProviderType::AzureOpenAI: return make_azure_openai_codec(p);
    case config::ProviderType::Anthropic: return make_anthropic_codec(p);
    case config::ProviderType::Bedrock: return bedrock::make_bedrock_codec(p);
    case config::ProviderType::Vertex: return vertex::make_vertex_codec(p);
  }
  return nullptr;
}

std::unique_ptr<RequestSigner> make_signer(const config::Provider& p,
                                           HttpClient& client,
                                           const bedrock::CredentialSet* aws,
                                           const vertex::DefaultCredentials* gcp,
                                           const azure::EntraCredentials* entra) {
  switch (p.type) {
    case config::ProviderType::Bedrock:
      return bedrock::make_bedrock_signer(p, real_clock(), aws ? aws->for_provider(p.name) : nullptr,
                                          aws ? aws->clock_skew() : nullptr);
    case config::ProviderType::Vertex: return vertex::make_vertex_signer(p, client, gcp);
    case config::ProviderType::AzureOpenAI:
      if (p.api_key.empty()) {
        return azure::make_entra_signer(p, entra ? entra->for_provider(p.name) : nullptr, client,
                                        real_clock());
      }
      return nullptr;  // the codec sends the api-key header
    default: return nullptr;  // static api keys are set by the codec itself
  }
}

std::vector<config::Problem> credential_warnings(const config::Config& cfg) {
  std::vector<config::Problem> out;
  for (const auto& [name, p] : cfg.providers) {
    if (p.type != config::ProviderType::Vertex || p.credentials_file.empty()) {
      continue;
    }
    if (auto sa = vertex::load_service_account(p.credentials_file, name); !sa) {
      out.push_back(config::Problem{cfg.source_file, p.line, "providers." + name + ".credentials_file",
                                    sa.error().message});
    }
  }
  return out;
}

}  // namespace gw
