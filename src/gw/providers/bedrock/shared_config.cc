// The AWS shared configuration files and their profiles (shared_config.h).
#include "gw/providers/bedrock/shared_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace gw::bedrock {

namespace {

constexpr size_t kMaxFileBytes = 1024 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The value without a trailing comment: `#` or `;` after whitespace (a key never contains one).
std::string_view strip_comment(std::string_view v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      return trim(v.substr(0, i));
    }
  }
  return v;
}

Error ini_error(std::string_view file, size_t line, std::string_view what) {
  return make_error(Code::Internal,
                    std::string(file) + " line " + std::to_string(line) + ": " + std::string(what));
}

std::string sts_url_for(const EnvLookup& env, std::string_view region) {
  std::string url = env("AWS_ENDPOINT_URL_STS").value_or("");
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  if (url.empty()) {
    url = "https://sts." + std::string(region) + ".amazonaws.com";
  }
  return url + "/";
}

const std::string* get(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

Result<IniSections> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return IniSections{};  // no file: no profiles from it
    }
    return make_error(Code::Internal, "cannot read " + path);
  }
  std::string s(kMaxFileBytes + 1, '\0');
  in.read(s.data(), std::streamsize(s.size()));
  s.resize(size_t(in.gcount()));
  if (s.size() > kMaxFileBytes) {
    return make_error(Code::Internal, path + " is larger than 1 MiB");
  }
  return parse_ini(s, path);
}

// The config file's sections by profile name: [default] and [profile NAME]; the other sections
// (sso-session, services) hold no profile.
IniSections config_profiles(IniSections config) {
  IniSections out;
  for (auto& [section, keys] : config) {
    std::string name;
    if (section == "default") {
      name = section;
    } else if (section.starts_with("profile ") || section.starts_with("profile\t")) {
      name = std::string(trim(std::string_view(section).substr(8)));
    } else {
      continue;
    }
    for (auto& [k, v] : keys) {
      out[name][k] = std::move(v);
    }
  }
  return out;
}

}  // namespace

Result<IniSections> parse_ini(std::string_view text, std::string_view file) {
  IniSections out;
  std::map<std::string, std::string>* section = nullptr;
  bool in_sub_settings = false;  // below a `key =` with an empty value
  size_t line_no = 0;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = text.find('\n', pos);
    const std::string_view raw = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[') {
      const std::string_view header = strip_comment(line);
      if (header.back() != ']') {
        return ini_error(file, line_no, "a section header without its closing ]");
      }
      const std::string_view name = trim(header.substr(1, header.size() - 2));
      if (name.empty() || name.find_first_of("[]") != std::string_view::npos) {
        return ini_error(file, line_no, "an empty or malformed section name");
      }
      section = &out[std::string(name)];
      in_sub_settings = false;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return ini_error(file, line_no, "expected [section], key = value or a comment");
    }
    if (section == nullptr) {
      return ini_error(file, line_no, "a setting before the first [section]");
    }
    if (indented && in_sub_settings) {
      continue;  // a sub-setting (s3 = / max_concurrent_requests = 10): nothing credentials use
    }
    if (indented) {
      return ini_error(file, line_no, "an indented setting that does not follow `key =`");
    }
    const std::string key = lower(trim(line.substr(0, eq)));
    if (key.find_first_of(" \t") != std::string::npos) {
      return ini_error(file, line_no, "a key with a space in it");
    }
    const std::string_view value = strip_comment(trim(line.substr(eq + 1)));
    in_sub_settings = value.empty();
    (*section)[key] = std::string(value);
  }
  return out;
}

std::optional<std::map<std::string, std::string>> SharedFiles::profile(const std::string& name) const {
  auto p = profiles.find(name);
  auto c = credentials.find(name);
  if (p == profiles.end() && c == credentials.end()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  if (p != profiles.end()) {
    out = p->second;
  }
  if (c != credentials.end()) {
    for (const auto& [k, v] : c->second) {
      out[k] = v;
    }
  }
  return out;
}

Result<SharedFiles> shared_files_from(std::string_view credentials, std::string_view config,
                                      std::string credentials_path, std::string config_path) {
  SharedFiles f;
  f.credentials_path = std::move(credentials_path);
  f.config_path = std::move(config_path);
  auto c = parse_ini(credentials, f.credentials_path);
  if (!c) {
    return c.error();
  }
  f.credentials = std::move(*c);
  auto cfg = parse_ini(config, f.config_path);
  if (!cfg) {
    return cfg.error();
  }
  f.profiles = config_profiles(std::move(*cfg));
  return f;
}

Result<SharedFiles> load_shared_files(const EnvLookup& env) {
  const std::string home = env("HOME").value_or("");
  std::string cred_path = env("AWS_SHARED_CREDENTIALS_FILE").value_or("");
  std::string config_path = env("AWS_CONFIG_FILE").value_or("");
  if (cred_path.empty()) {
    cred_path = home.empty() ? std::string() : home + "/.aws/credentials";
  }
  if (config_path.empty()) {
    config_path = home.empty() ? std::string() : home + "/.aws/config";
  }
  IniSections creds;
  IniSections config;
  if (!cred_path.empty()) {
    auto c = read_file(cred_path);
    if (!c) {
      return c.error();
    }
    creds = std::move(*c);
  }
  if (!config_path.empty()) {
    auto c = read_file(config_path);
    if (!c) {
      return c.error();
    }
    config = std::move(*c);
  }
  SharedFiles f;
  f.credentials_path = cred_path.empty() ? "~/.aws/credentials" : cred_path;
  f.config_path = config_path.empty() ? "~/.aws/config" : config_path;
  f.credentials = std::move(creds);
  f.profiles = config_profiles(std::move(config));
  return f;
}

Result<CredentialSourceSpec> profile_source(const SharedFiles& files,
                                            const std::string& name,
                                            const EnvLookup& env,
                                            std::string_view sts_region,
                                            std::string_view default_session_name) {
  const std::string where = "profile " + name + " (" + files.credentials_path + ", " + files.config_path + ")";
  auto fail = [&](std::string what) { return make_error(Code::Internal, where + ": " + std::move(what)); };
  auto p = files.profile(name);
  if (!p) {
    return fail("no such profile");
  }
  for (const char* unsupported : {"credential_process", "sso_start_url", "sso_session", "credential_source"}) {
    if (get(*p, unsupported) != nullptr && get(*p, "aws_access_key_id") == nullptr) {
      return fail(std::string(unsupported) + " is not supported (static keys, web_identity_token_file or source_profile are)");
    }
  }
  CredentialSourceSpec s;
  s.profile = name;
  const std::string* role = get(*p, "role_arn");
  if (role != nullptr) {
    s.role_arn = *role;
    const std::string* session = get(*p, "role_session_name");
    s.session_name = session != nullptr ? *session : std::string(default_session_name);
    std::string region = env("AWS_REGION").value_or("");
    if (region.empty() && get(*p, "region") != nullptr) {
      region = *get(*p, "region");
    }
    if (region.empty()) {
      region = std::string(sts_region);
    }
    if (region.empty()) {
      return fail("STS needs a region (the profile's region, AWS_REGION or the provider's region)");
    }
    s.sts_region = region;
    s.sts_url = sts_url_for(env, region);
    if (const std::string* token_file = get(*p, "web_identity_token_file")) {
      s.kind = SourceKind::WebIdentity;
      s.token_file = *token_file;
      return s;
    }
    const std::string* source = get(*p, "source_profile");
    if (source == nullptr) {
      return fail("role_arn needs source_profile or web_identity_token_file");
    }
    auto src = files.profile(*source);
    if (!src) {
      return fail("its source_profile " + *source + " does not exist");
    }
    if (*source != name && get(*src, "role_arn") != nullptr) {
      return fail("its source_profile " + *source + " assumes a role itself (role chains are not supported)");
    }
    const std::string* akid = get(*src, "aws_access_key_id");
    const std::string* secret = get(*src, "aws_secret_access_key");
    if (akid == nullptr || secret == nullptr) {
      return fail("its source_profile " + *source + " has no aws_access_key_id and aws_secret_access_key");
    }
    s.kind = SourceKind::AssumeRole;
    s.env = Credentials{*akid, *secret, get(*src, "aws_session_token") ? *get(*src, "aws_session_token") : ""};
    s.source_profile = *source;
    if (const std::string* external = get(*p, "external_id")) {
      s.external_id = *external;
    }
    return s;
  }
  const std::string* akid = get(*p, "aws_access_key_id");
  const std::string* secret = get(*p, "aws_secret_access_key");
  if (akid == nullptr && secret == nullptr) {
    return fail("no credentials (aws_access_key_id and aws_secret_access_key, or role_arn)");
  }
  if (akid == nullptr || secret == nullptr) {
    return fail(std::string(akid == nullptr ? "aws_secret_access_key" : "aws_access_key_id") + " without " +
                (akid == nullptr ? "aws_access_key_id" : "aws_secret_access_key"));
  }
  s.kind = SourceKind::SharedProfile;
  s.env = Credentials{*akid, *secret, get(*p, "aws_session_token") ? *get(*p, "aws_session_token") : ""};
  return s;
}

}  // namespace gw::bedrock
