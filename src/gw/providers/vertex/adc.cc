// The Application Default Credentials chain (adc.h).
#include "gw/providers/vertex/adc.h"

#include <filesystem>

#include "gw/providers/vertex/credential_file.h"
#include "gw/providers/vertex/grant_metadata.h"

namespace gw::vertex {

namespace {

std::string env_or_empty(const config::EnvLookup& env, const std::string& name) {
  auto v = env(name);
  return v ? *v : std::string();
}

}  // namespace

std::string well_known_credentials_path(const config::EnvLookup& env) {
  if (std::string dir = env_or_empty(env, "CLOUDSDK_CONFIG"); !dir.empty()) {
    return dir + "/application_default_credentials.json";
  }
  if (std::string home = env_or_empty(env, "HOME"); !home.empty()) {
    return home + "/.config/gcloud/application_default_credentials.json";
  }
  return {};
}

Result<std::shared_ptr<const TokenGrant>> find_default_credentials(const config::EnvLookup& env,
                                                                   std::string_view provider) {
  if (std::string path = env_or_empty(env, "GOOGLE_APPLICATION_CREDENTIALS"); !path.empty()) {
    return load_credential_file(path, provider, "GOOGLE_APPLICATION_CREDENTIALS file " + path);
  }
  if (std::string path = well_known_credentials_path(env); !path.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      return load_credential_file(path, provider, "gcloud application default credentials " + path);
    }
  }
  std::string host = env_or_empty(env, "GCE_METADATA_HOST");
  if (host.empty()) {
    host = std::string(kDefaultMetadataHost);
  }
  return std::make_shared<MetadataServerGrant>(std::move(host));
}

std::unique_ptr<DefaultCredentials> DefaultCredentials::find(const config::Config& cfg,
                                                             const config::EnvLookup& env,
                                                             const LogFn& log) {
  auto out = std::make_unique<DefaultCredentials>();
  out->quota_project_override_ = env_or_empty(env, "GOOGLE_CLOUD_QUOTA_PROJECT");
  for (std::string f :
       {env_or_empty(env, "GOOGLE_APPLICATION_CREDENTIALS"), well_known_credentials_path(env)}) {
    if (!f.empty()) {
      out->files_.push_back(std::move(f));
    }
  }
  for (const auto& [name, p] : cfg.providers) {
    if (p.type != config::ProviderType::Vertex || !p.credentials_file.empty()) {
      continue;
    }
    auto grant = find_default_credentials(env, name);
    if (grant) {
      log("gcp_credentials", "provider " + name + ": " + (*grant)->describe());
    } else {
      log("gcp_credentials_unusable", grant.error().message);
    }
    out->by_provider_.emplace(name, std::move(grant));
  }
  return out;
}

const Result<std::shared_ptr<const TokenGrant>>* DefaultCredentials::for_provider(
    const std::string& name) const {
  auto it = by_provider_.find(name);
  return it == by_provider_.end() ? nullptr : &it->second;
}

}  // namespace gw::vertex
