// Start-up of the Bedrock providers' AWS credential chain (credential_set.h).
#include "gw/providers/bedrock/credential_set.h"

#include <unistd.h>

#include <optional>
#include <stdexcept>

#include "gw/providers/bedrock/shared_config.h"

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
  std::optional<Result<SharedFiles>> files;  // read once, when a provider needs the chain
  for (const auto& [name, p] : cfg.providers) {
    if (p.type != config::ProviderType::Bedrock || !p.access_key_id.empty()) {
      continue;
    }
    if (!files) {
      files = load_shared_files(env);
    }
    const bool profile_named = !p.profile.empty() || !env("AWS_PROFILE").value_or("").empty();
    if (!*files && profile_named) {
      throw std::runtime_error("provider " + name + " (bedrock, profile " +
                               (p.profile.empty() ? env("AWS_PROFILE").value_or("") : p.profile) +
                               "): the AWS shared config files: " + (*files).error().message);
    }
    if (!*files && log) {
      // Only their default profile was wanted: the rest of the chain may still serve.
      log("aws_shared_config_unusable", (*files).error().message + " (skipped: no profile is named)");
    }
    auto spec = choose_credential_source(env, p.region, session, p.profile, *files ? &**files : nullptr);
    if (!spec) {
      throw std::runtime_error("provider " + name + " (bedrock, " +
                               (p.profile.empty() ? std::string("no access_key_id") : "profile " + p.profile) +
                               "): " + spec.error().message);
    }
    auto& shared = by_source[spec->key()];
    if (!shared) {
      const std::string what = spec->describe();
      if (spec->kind == SourceKind::Environment || spec->kind == SourceKind::SharedProfile) {
        shared = std::make_shared<StaticCredentialProvider>(spec->env);
      } else {
        auto r = std::make_shared<RefreshingCredentials>(
            what, std::string(to_string(spec->kind)),
            [s = *spec, t = opts.timeouts, skew = set->skew_, &clock](HttpClient& http) {
              return fetch_credentials(s, http, t, skew->corrected(clock.now()));
            },
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
