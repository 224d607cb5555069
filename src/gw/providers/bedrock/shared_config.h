#pragma once
// The AWS shared configuration files, as the SDKs read them: ~/.aws/credentials and
// ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere), INI files of profiles.
// In the credentials file a section is named for its profile ([default], [dev]); in the config
// file a profile other than default is [profile NAME]. A profile's settings are the config
// file's with the credentials file's on top.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gw/common/result.h"
#include "gw/providers/bedrock/credential_chain.h"

namespace gw::bedrock {

// section -> key -> value. Keys are lower-cased, names and values trimmed.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Strict: every line is blank, a comment (# or ;, also after a value following whitespace), a
// [section] header or `key = value` inside a section; lines indented under a key with an empty
// value are its sub-settings (`s3 =\n  max_concurrent_requests = 10`), which credentials never
// use and are skipped. A later duplicate section or key adds to or replaces the earlier one.
// Errors name `file` and the line number, never a line's text (it may hold a secret).
Result<IniSections> parse_ini(std::string_view text, std::string_view file);

struct SharedFiles {
  std::string credentials_path;  // where they were looked for, for messages
  std::string config_path;
  IniSections credentials;       // sections as named in the file
  IniSections profiles;          // the config file's, by profile name ("profile " dropped)

  // The profile's settings (config file, overridden by the credentials file); nullopt when
  // neither file has it.
  std::optional<std::map<std::string, std::string>> profile(const std::string& name) const;
};

// Reads both files from their paths (the variables, else $HOME/.aws/...). A file that does not
// exist is empty; one that exists but cannot be read or parsed is an error.
Result<SharedFiles> load_shared_files(const EnvLookup& env);
// Parses already-read contents (tests, fuzzing).
Result<SharedFiles> shared_files_from(std::string_view credentials, std::string_view config,
                                      std::string credentials_path = "credentials",
                                      std::string config_path = "config");

// The credential source profile `name` describes: static keys (aws_access_key_id,
// aws_secret_access_key, aws_session_token), role_arn + web_identity_token_file (web identity),
// or role_arn + source_profile (STS AssumeRole signed with the source profile's static keys).
// `sts_region` is used for STS when AWS_ENDPOINT_URL_STS does not name it and the profile has
// no region. Errors name the profile and the file, never a value: no such profile, half a key
// pair, a profile without credentials, a source_profile that is missing, has no static keys or
// assumes a role itself, and settings the gateway does not support (credential_source,
// credential_process, sso_*).
Result<CredentialSourceSpec> profile_source(const SharedFiles& files,
                                            const std::string& name,
                                            const EnvLookup& env,
                                            std::string_view sts_region,
                                            std::string_view default_session_name);

}  // namespace gw::bedrock
