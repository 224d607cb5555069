#pragma once
// The Entra ID sources of every azure_openai provider configured without api_key, chosen once by
// `serve` before it listens (credential_chain.h). Providers whose source is the same share one
// token cache, so every worker and provider uses one token and one refresh.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gw/common/clock.h"
#include "gw/config/load.h"
#include "gw/config/schema.h"
#include "gw/providers/azure/credential_chain.h"
#include "gw/providers/oauth/token_cache.h"
#include "gw/providers/oauth/token_source.h"

namespace gw::azure {

struct EntraSource {
  EntraSourceSpec spec;
  std::shared_ptr<oauth::SharedTokenCache> cache;
  oauth::TokenSourceOptions options;
};

// The token options for a source: instance metadata is a local endpoint, so an address that does
// not answer within 2 s means there is none (the Azure SDKs probe it as briefly).
oauth::TokenSourceOptions token_options(const EntraSourceSpec& spec);

using LogFn = std::function<void(const std::string& event, const std::string& detail)>;

class EntraCredentials {
 public:
  // For each azure_openai provider of `cfg` without api_key: chooses its source and obtains a
  // first token (start-up waits for it). Throws std::runtime_error naming the provider when the
  // environment is half-configured, or when nothing names a source and instance metadata does
  // not answer with a token. A named source whose first token fails (its token endpoint down) is
  // logged, not fatal: its requests fail with 502 and fail over until the endpoint answers.
  static std::unique_ptr<EntraCredentials> start(const config::Config& cfg,
                                                 const config::EnvLookup& env,
                                                 const Clock& clock,
                                                 LogFn log);

  // The provider's source; null for providers with an api_key or not set up here.
  const EntraSource* for_provider(const std::string& name) const;

 private:
  std::map<std::string, std::shared_ptr<const EntraSource>> by_provider_;
};

}  // namespace gw::azure
