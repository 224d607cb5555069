// Start-up of the Bedrock providers' AWS credential chain (credential_set.h).
#include "gw/providers/bedrock/credential_set.h"

#include <unistd.h>

#include <stdexcept>

namespace gw::bedrock {

std::unique_ptr<CredentialSet> CredentialSet::start(const config::Config& cfg,
                                                    const EnvLookup& env,
                                                    const Clock& clock,
                                                    LogFn log,
                                                    CredentialSetOptions opts) {
  auto set = std::make_unique<CredentialSet>();
  set->skew_ = std::make_shared<ClockSkew>(log);
  const std::string session = opts.default_session_name.empty()
                                  ? "switchyard-" + std::to_string(::getpid())
                                  : opts.default_session_name;
  std::map<std::string, std::shared_ptr<CredentialProvider>> by_source;
  for (const auto& [name, p] : cfg.providers) {
    if (p.type != config::ProviderType::Bedrock || !p.access_key_id.empty()) {
      continue;
    }
    auto spec = choose_credential_source(env, p.region, session);
    if (!spec) {
      throw std::runtime_error("provider " + name + " (bedrock, no access_key_id): " +
                               spec.error().message);
    }
    auto& shared = by_source[spec->key()];
    if (!shared) {
      const std::string what = spec->describe();
      if (spec->kind == SourceKind::Environment) {
        shared = std::make_shared<StaticCredentialProvider>(spec->env);
      } else {
        auto r = std::make_shared<RefreshingCredentials>(
            what, std::string(to_string(spec->kind)),
            [s = *spec, t = opts.timeouts](HttpClient& http) { return fetch_credentials(s, http, t); },
            clock, log, opts.policy);
        auto first = r->start();
        if (!first && spec->kind == SourceKind::InstanceMetadata) {
          // Instance metadata is the chain's last resort, assumed rather than configured: if it
          // does not answer, there is no source at all.
          throw std::runtime_error(
              "provider " + name +
              " (bedrock, no access_key_id): no AWS credentials found: nothing in the environment "
              "(AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, "
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI) and " +
              first.error().message);
        }
        shared = std::move(r);
      }
      if (log) {
        log("aws_credentials", "provider " + name + ": " + what);
      }
    } else if (log) {
      log("aws_credentials", "provider " + name + ": shares " + spec->describe());
    }
    set->by_provider_[name] = shared;
  }
  return set;
}

std::shared_ptr<CredentialProvider> CredentialSet::for_provider(const std::string& name) const {
  auto it = by_provider_.find(name);
  return it == by_provider_.end() ? nullptr : it->second;
}

}  // namespace gw::bedrock
