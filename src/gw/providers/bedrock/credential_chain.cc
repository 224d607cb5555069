// The default credential chain's choice of source (credential_chain.h).
#include "gw/providers/bedrock/credential_chain.h"
#include "gw/providers/bedrock/shared_config.h"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/url/parse.hpp>

namespace gw::bedrock {

namespace {

constexpr std::string_view kEcsHost = "http://169.254.170.2";
constexpr std::string_view kImdsEndpoint = "http://169.254.169.254";

std::string get(const EnvLookup& env, const char* name) { return env(name).value_or(""); }

Error chain_error(std::string what) { return make_error(Code::Internal, std::move(what)); }

std::string strip_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

}  // namespace

std::string_view to_string(SourceKind k) {
  switch (k) {
    case SourceKind::Environment: return "environment";
    case SourceKind::SharedProfile: return "shared config profile";
    case SourceKind::AssumeRole: return "assumed role";
    case SourceKind::WebIdentity: return "web identity";
    case SourceKind::Container: return "container credentials";
    case SourceKind::InstanceMetadata: return "EC2 instance metadata";
  }
  return "?";
}

std::string CredentialSourceSpec::describe() const {
  std::string out(to_string(kind));
  switch (kind) {
    case SourceKind::Environment: out += " (AWS_ACCESS_KEY_ID)"; break;
    case SourceKind::SharedProfile: out += " (profile " + profile + ", static keys)"; break;
    case SourceKind::AssumeRole:
      out += " (profile " + profile + ": role " + role_arn + ", session " + session_name +
             ", keys of profile " + source_profile + ", STS " + sts_url + ")";
      break;
    case SourceKind::WebIdentity:
      out += std::string(profile.empty() ? "" : " (profile " + profile + ")") + " (role " + role_arn + ", session " + session_name + ", token file " + token_file +
             ", STS " + sts_url + ")";
      break;
    case SourceKind::Container:
      out += " (" + container_url;
      if (!auth_token_file.empty()) {
        out += ", authorization from " + auth_token_file;
      } else if (!auth_token.empty()) {
        out += ", authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN";
      }
      out += ")";
      break;
    case SourceKind::InstanceMetadata: out += " (" + imds_endpoint + ", IMDSv2)"; break;
  }
  return out;
}

std::string CredentialSourceSpec::key() const {
  // The environment's keys are not part of the key (they are the same for every provider).
  std::string k(to_string(kind));
  for (const std::string* part :
       {&profile, &source_profile, &external_id, &sts_url, &role_arn, &session_name, &token_file,
        &container_url, &auth_token_file, &imds_endpoint}) {
    k += '\n';
    k += *part;
  }
  return k;
}

bool allowed_container_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1" || host == "169.254.170.2" || host == "169.254.170.23" ||
      boost::algorithm::iequals(host, "fd00:ec2::23")) {
    return true;
  }
  // 127.0.0.0/8
  if (host.starts_with("127.")) {
    int dots = 0;
    for (char c : host) {
      if (c == '.') {
        ++dots;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return dots == 3;
  }
  return false;
}

Result<CredentialSourceSpec> choose_credential_source(const EnvLookup& env,
                                                      std::string_view region,
                                                      std::string_view default_session_name,
                                                      std::string_view profile,
                                                      const SharedFiles* files) {
  CredentialSourceSpec s;
  auto from_profile = [&](const std::string& name) -> Result<CredentialSourceSpec> {
    if (files == nullptr) {
      return chain_error("profile " + name + ": the shared config files were not read");
    }
    return profile_source(*files, name, env, region, default_session_name);
  };
  // The provider's own profile is its only source: a named profile is what the operator wants.
  if (!profile.empty()) {
    return from_profile(std::string(profile));
  }

  // 1. The environment.
  const std::string akid = get(env, "AWS_ACCESS_KEY_ID");
  const std::string secret = get(env, "AWS_SECRET_ACCESS_KEY");
  if (!akid.empty() || !secret.empty()) {
    if (akid.empty() || secret.empty()) {
      return chain_error(std::string(akid.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                         " is set but " + (akid.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                         " is not");
    }
    s.kind = SourceKind::Environment;
    s.env = Credentials{akid, secret, get(env, "AWS_SESSION_TOKEN")};
    return s;
  }

  // 2. The shared files: the profile AWS_PROFILE names, or `default` where it holds credentials
  // (a [default] with only a region is common and names no source).
  if (files != nullptr) {
    const std::string named = get(env, "AWS_PROFILE");
    if (!named.empty()) {
      return from_profile(named);
    }
    if (auto d = files->profile("default");
        d && (d->contains("aws_access_key_id") || d->contains("aws_secret_access_key") || d->contains("role_arn"))) {
      return from_profile("default");
    }
  }

  // 3. Web identity (EKS IRSA).
  const std::string token_file = get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string role_arn = get(env, "AWS_ROLE_ARN");
  if (!token_file.empty() || !role_arn.empty()) {
    if (token_file.empty() || role_arn.empty()) {
      return chain_error(std::string(token_file.empty() ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE") +
                         " is set but " +
                         (token_file.empty() ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN") +
                         " is not");
    }
    s.kind = SourceKind::WebIdentity;
    s.token_file = token_file;
    s.role_arn = role_arn;
    s.session_name = get(env, "AWS_ROLE_SESSION_NAME");
    if (s.session_name.empty()) {
      s.session_name = std::string(default_session_name);
    }
    s.sts_url = strip_trailing_slash(get(env, "AWS_ENDPOINT_URL_STS"));
    if (s.sts_url.empty()) {
      std::string sts_region = get(env, "AWS_REGION");
      if (sts_region.empty()) {
        sts_region = get(env, "AWS_DEFAULT_REGION");
      }
      if (sts_region.empty()) {
        sts_region = std::string(region);
      }
      if (sts_region.empty()) {
        return chain_error("web identity needs a region for STS (AWS_REGION or the provider's region)");
      }
      s.sts_url = "https://sts." + sts_region + ".amazonaws.com";
    }
    s.sts_url += "/";
    return s;
  }

  // 4. Container credentials (ECS task roles, EKS Pod Identity). The relative URI wins, as in
  // the SDKs.
  const std::string relative = get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::string full = get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative.empty() || !full.empty()) {
    s.kind = SourceKind::Container;
    if (!relative.empty()) {
      s.container_url = std::string(kEcsHost) + (relative.front() == '/' ? "" : "/") + relative;
    } else {
      auto url = boost::urls::parse_absolute_uri(full);
      // Boost.URL 1.81 reads "http://127.0.0.1.evil.example/x" as host 127.0.0.1 with the path
      // ".evil.example/x": a path after an authority must start with '/'.
      if (!url || (url->scheme() != "http" && url->scheme() != "https") ||
          url->encoded_host().empty() ||
          (!url->encoded_path().empty() && url->encoded_path().front() != '/')) {
        return chain_error("AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL");
      }
      if (url->scheme() == "http" && !allowed_container_host(std::string(url->encoded_host()))) {
        return chain_error(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or "
            "the ECS / EKS Pod Identity agent (169.254.170.2, 169.254.170.23, fd00:ec2::23)");
      }
      s.container_url = full;
    }
    s.auth_token_file = get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (s.auth_token_file.empty()) {
      s.auth_token = get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    return s;
  }

  // 5. EC2 instance metadata, unless disabled.
  if (boost::algorithm::iequals(get(env, "AWS_EC2_METADATA_DISABLED"), "true")) {
    return chain_error(
        "no AWS credentials in the environment: no AWS_ACCESS_KEY_ID, no AWS_WEB_IDENTITY_TOKEN_FILE, "
        "no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI, and instance metadata is disabled "
        "(AWS_EC2_METADATA_DISABLED)");
  }
  s.kind = SourceKind::InstanceMetadata;
  s.imds_endpoint = strip_trailing_slash(get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT"));
  if (s.imds_endpoint.empty()) {
    s.imds_endpoint = std::string(kImdsEndpoint);
  }
  return s;
}

}  // namespace gw::bedrock
