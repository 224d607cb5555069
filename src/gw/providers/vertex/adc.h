#pragma once
// Application Default Credentials, for Vertex providers configured without credentials_file, in
// the Google SDKs' order: the file GOOGLE_APPLICATION_CREDENTIALS names, then gcloud's
// well-known file, then the GCE/GKE metadata server. Chosen once by `serve` before it listens.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gw/config/load.h"
#include "gw/config/schema.h"
#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

// $CLOUDSDK_CONFIG/application_default_credentials.json, else
// $HOME/.config/gcloud/application_default_credentials.json; empty when neither variable is set.
std::string well_known_credentials_path(const config::EnvLookup& env);

// The first source the environment names, for `provider` (named in errors). A file named by
// GOOGLE_APPLICATION_CREDENTIALS that cannot be used is an error, as in the SDKs (falling through
// to another identity would hide the mistake); a well-known file only counts when it exists.
// The metadata server is the last resort and is not probed here: when it does not answer, the
// provider's requests fail with a 502 that says so.
Result<std::shared_ptr<const TokenGrant>> find_default_credentials(const config::EnvLookup& env,
                                                                   std::string_view provider);

// The default credentials of every keyless Vertex provider of a config: one lookup per
// provider, each logged (its source, never a secret). A provider whose lookup failed keeps its
// error: its requests answer 502 with it and fail over.
class DefaultCredentials {
 public:
  using LogFn = std::function<void(const std::string& event, const std::string& detail)>;
  static std::unique_ptr<DefaultCredentials> find(const config::Config& cfg,
                                                  const config::EnvLookup& env,
                                                  const LogFn& log);
  // Null for providers with a credentials_file or not looked up here.
  const Result<std::shared_ptr<const TokenGrant>>* for_provider(const std::string& name) const;
  // GOOGLE_CLOUD_QUOTA_PROJECT, which the Google SDKs let override a credential's own quota
  // project (TokenGrant::quota_project); empty when unset.
  const std::string& quota_project_override() const { return quota_project_override_; }
  // The credential files the lookup considered (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
  // well-known file), whose paths the signers keep out of clients' errors.
  const std::vector<std::string>& files() const { return files_; }

 private:
  std::map<std::string, Result<std::shared_ptr<const TokenGrant>>> by_provider_;
  std::string quota_project_override_;
  std::vector<std::string> files_;
};

}  // namespace gw::vertex
