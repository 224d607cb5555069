#pragma once
// The credentials of every Bedrock provider configured without static keys, from the AWS default
// chain (credential_chain.h), set up once by `serve` before it listens. Providers whose chain
// leads to the same source share one CredentialProvider, so one refresh serves them all.
#include <map>
#include <memory>
#include <string>

#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/providers/bedrock/clock_skew.h"
#include "gw/providers/bedrock/credential_chain.h"
#include "gw/providers/bedrock/credential_fetch.h"
#include "gw/providers/bedrock/credential_provider.h"

namespace gw::bedrock {

struct CredentialSetOptions {
  RefreshPolicy policy;
  FetchTimeouts timeouts;
  std::string default_session_name;  // empty: switchyard-<pid>
};

class CredentialSet {
 public:
  // For each bedrock provider of `cfg` without access_key_id: chooses its source and fetches its
  // first credential (start-up waits for that). Throws std::runtime_error naming the provider
  // when the chain has no source for it: nothing in the environment and instance metadata
  // disabled or not answering. A web identity or container source whose first fetch fails is
  // logged and retried with back-off (its requests fail with 503 until it succeeds), so a slow
  // STS does not keep the other providers down.
  static std::unique_ptr<CredentialSet> start(const config::Config& cfg,
                                              const EnvLookup& env,
                                              const Clock& clock,
                                              LogFn log,
                                              CredentialSetOptions opts = {});

  // The provider's shared source; null for providers with static keys or not set up here.
  std::shared_ptr<CredentialProvider> for_provider(const std::string& name) const;

  // The process's offset from AWS's clock, shared by every Bedrock signer (static keys too).
  std::shared_ptr<ClockSkew> clock_skew() const { return skew_; }

  bool empty() const { return by_provider_.empty(); }

 private:
  std::map<std::string, std::shared_ptr<CredentialProvider>> by_provider_;
  std::shared_ptr<ClockSkew> skew_ = std::make_shared<ClockSkew>();
};

}  // namespace gw::bedrock
