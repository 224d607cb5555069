// providers: accounts at vendors and clouds. Each type has its own required fields and its
// vendor-default base_url (contract.md "Configuration").
#include <string_view>

#include "gw/common/utf8.h"
#include "gw/common/http_head.h"
#include "gw/config/http_url.h"
#include "gw/config/yaml_reader.h"

namespace gw::config::detail {

namespace {

const std::vector<std::string_view> kCommonKeys = {
    "type", "base_url", "headers", "connect_timeout_ms", "first_byte_timeout_ms", "idle_timeout_ms"};

std::vector<std::string_view> keys_for(std::optional<ProviderType> type) {
  std::vector<std::string_view> keys = kCommonKeys;
  auto add = [&](std::initializer_list<std::string_view> more) {
    keys.insert(keys.end(), more.begin(), more.end());
  };
  if (!type) {  // unknown type: accept any provider field, so only the type itself is reported
    add({"api_key", "api_version", "anthropic_version", "region", "access_key_id",
         "secret_access_key", "session_token", "profile", "project", "credentials_file", "max_tokens_field",
         "tenant_id", "client_id", "client_secret", "authority_host"});
    return keys;
  }
  switch (*type) {
    case ProviderType::OpenAI: add({"api_key", "max_tokens_field"}); break;
    case ProviderType::AzureOpenAI:
      add({"api_key", "api_version", "max_tokens_field", "tenant_id", "client_id", "client_secret",
           "authority_host"});
      break;
    case ProviderType::Anthropic: add({"api_key", "anthropic_version"}); break;
    case ProviderType::Bedrock:
      add({"region", "access_key_id", "secret_access_key", "session_token", "profile"});
      break;
    case ProviderType::Vertex: add({"project", "region", "credentials_file"}); break;
  }
  return keys;
}

// Names end up in response headers, metrics labels and usage records: printable UTF-8, no spaces.
bool valid_name(std::string_view s) {
  if (s.empty() || !printable_utf8(s)) {
    return false;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

// The type decides which keys are allowed, so it is looked up before the mapping is checked.
std::optional<ProviderType> find_type(Reader& r, const Field& f, bool& type_ok) {
  type_ok = false;
  for (const auto& kv : f.value) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "type") {
      continue;
    }
    Field tf{kv.second, join(f.path, "type"), line_of(kv.first)};
    auto s = r.string(tf);
    if (!s) {
      return std::nullopt;
    }
    if (auto t = parse_provider_type(*s)) {
      type_ok = true;
      return t;
    }
    r.problem(tf, "unknown provider type '" + *s +
                      "' (expected openai, azure_openai, anthropic, bedrock or vertex)");
    return std::nullopt;
  }
  r.problem(f, "type is required (openai, azure_openai, anthropic, bedrock or vertex)");
  return std::nullopt;
}

// AWS and Google region names become part of a host name, so only [a-z0-9-] is accepted.
std::optional<std::string> read_region(Reader& r, const Fields& m, const Field& parent) {
  auto s = r.required_string(m, parent, "region");
  if (s && s->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    r.problem(*m.get("region"), "expected a region name such as us-east-1 (lowercase letters, "
                                "digits and '-')");
    return std::nullopt;
  }
  return s;
}

// An http(s) URL with a usable host and port, without the trailing '/' (the gateway appends paths
// that start with '/').
std::optional<std::string> read_http_url(Reader& r, const Field& f) {
  auto s = r.string(f, /*secret=*/true);  // may carry user:password@
  if (!s) {
    return std::nullopt;
  }
  std::string_view v = *s;
  bool http = v.substr(0, 7) == "http://" && v.size() > 7;
  bool https = v.substr(0, 8) == "https://" && v.size() > 8;
  if (!http && !https) {
    r.problem(f, "must start with http:// or https://");
    return std::nullopt;
  }
  if (auto why = http_authority_problem(v)) {
    r.problem(f, *why);
    return std::nullopt;
  }
  while (v.back() == '/') {
    v.remove_suffix(1);
  }
  return std::string(v);
}

void read_base_url(Reader& r, const Fields& m, const Field& parent, bool required,
                   Provider& p) {
  const Field* f = m.get("base_url");
  if (f == nullptr) {
    if (required) {
      r.problem(parent.line, join(parent.path, "base_url"), "is required for this provider type");
    }
    return;
  }
  if (auto url = read_http_url(r, *f)) {
    p.base_url = std::move(*url);
  }
}

void read_headers(Reader& r, const Field& f, Provider& p) {
  auto all = r.entries(f);
  if (!all) {
    return;
  }
  for (auto& [name, hf] : *all) {
    if (!http_head::valid_field_name(name)) {
      r.problem(hf, "is not a valid HTTP header name");
      continue;
    }
    auto v = r.string(hf, /*secret=*/true);  // extra headers often carry credentials
    if (!v) {
      continue;
    }
    if (!http_head::valid_field_value(*v)) {
      r.problem(hf, "header values may not contain line breaks or NUL");
      continue;
    }
    p.headers[name] = *v;
  }
}

void read_timeouts(Reader& r, const Fields& m, Provider& p) {
  constexpr int64_t kDay = 24 * 3600 * 1000;
  auto read = [&](std::string_view key, std::chrono::milliseconds& out) {
    if (const Field* f = m.get(key)) {
      if (auto v = r.integer(*f, 1, kDay)) {
        out = std::chrono::milliseconds(*v);
      }
    }
  };
  read("connect_timeout_ms", p.connect_timeout);
  read("first_byte_timeout_ms", p.first_byte_timeout);
  read("idle_timeout_ms", p.idle_timeout);
}

// OpenAI itself, and Azure OpenAI from api-version 2024-09-01 on, take max_completion_tokens for
// every model and refuse max_tokens for reasoning models (o1, o3, gpt-5): a client in another
// dialect always sends max_tokens, so these upstreams get the modern field unless told otherwise.
MaxTokensField default_max_tokens_field(const Provider& p) {
  if (p.type == ProviderType::AzureOpenAI) {
    return p.api_version >= "2024-09-01" ? MaxTokensField::MaxCompletionTokens : MaxTokensField::Auto;
  }
  const std::string_view host = "https://api.openai.com";
  const std::string_view url = p.base_url;
  if (url.substr(0, host.size()) == host && (url.size() == host.size() || url[host.size()] == '/')) {
    return MaxTokensField::MaxCompletionTokens;
  }
  return MaxTokensField::Auto;
}

void read_max_tokens_field(Reader& r, const Fields& m, Provider& p) {
  p.max_tokens_field = default_max_tokens_field(p);
  const Field* f = m.get("max_tokens_field");
  if (f == nullptr) {
    return;
  }
  auto s = r.string(*f);
  if (!s) {
    return;
  }
  if (auto v = parse_max_tokens_field(*s)) {
    p.max_tokens_field = *v;
  } else {
    r.problem(*f, "expected max_tokens or max_completion_tokens");
  }
}

void set(std::optional<std::string> v, std::string& out) {
  if (v) {
    out = std::move(*v);
  }
}

// Static keys, or none: then `serve` takes them from the AWS default credential chain
// (environment, web identity, container, instance metadata), which `check` does not look at.
void read_aws_keys(Reader& r, const Fields& m, const Field& f, Provider& p) {
  const Field* id = m.get("access_key_id");
  const Field* secret = m.get("secret_access_key");
  const Field* token = m.get("session_token");
  if (const Field* profile = m.get("profile")) {
    // A profile of the AWS shared config files (~/.aws/credentials, ~/.aws/config): read by
    // `serve`, which fails at start when it is missing or unusable.
    if (id != nullptr || secret != nullptr || token != nullptr) {
      r.problem(*profile, "cannot be combined with access_key_id / secret_access_key / session_token");
      return;
    }
    auto name = r.string(*profile);
    if (name && name->empty()) {
      r.problem(*profile, "must not be empty");
    } else if (name) {
      p.profile = std::move(*name);
    }
    return;
  }
  if (id == nullptr && secret == nullptr) {
    if (token != nullptr) {
      r.problem(*token, "needs access_key_id and secret_access_key (without them the AWS default "
                        "credential chain supplies the session token)");
    }
    return;
  }
  // One without the other is a mistake, not a request for the chain.
  set(r.required_string(m, f, "access_key_id", /*secret=*/true), p.access_key_id);
  set(r.required_string(m, f, "secret_access_key", /*secret=*/true), p.secret_access_key);
  if (token != nullptr) {
    set(r.string(*token, /*secret=*/true), p.session_token);
  }
}

// azure_openai: an api_key, or Microsoft Entra ID: a service principal's tenant_id, client_id and
// client_secret, or none of them (then `serve` takes the DefaultAzureCredential chain from the
// environment: workload identity, managed identity). Azure takes one or the other, never both.
void read_azure_auth(Reader& r, const Fields& m, const Field& f, Provider& p) {
  const Field* key = m.get("api_key");
  const Field* tenant = m.get("tenant_id");
  const Field* id = m.get("client_id");
  const Field* secret = m.get("client_secret");
  const Field* authority = m.get("authority_host");
  if (key != nullptr) {
    // Empty (a ${VAR} that is unset) is a mistake, not a request for Entra ID: remove the key.
    set(r.required_string(m, f, "api_key", /*secret=*/true), p.api_key);
    for (const Field* entra : {tenant, id, secret, authority}) {
      if (entra != nullptr) {
        r.problem(*entra, "is for Microsoft Entra ID authentication, which api_key replaces "
                          "(Azure takes one or the other: remove api_key or this key)");
      }
    }
    return;
  }
  if (tenant != nullptr || id != nullptr || secret != nullptr) {
    // One without the others is a mistake, not a request for the environment's chain (a
    // user-assigned managed identity is named by AZURE_CLIENT_ID, as the Azure SDKs do).
    const char* why = "is required with tenant_id, client_id or client_secret (a service "
                      "principal needs all three; without any of them the environment's "
                      "workload or managed identity is used)";
    for (std::string_view k : {"tenant_id", "client_id", "client_secret"}) {
      if (m.get(k) == nullptr) {
        r.problem(f.line, join(f.path, k), why);
      }
    }
    // Empty (a ${VAR} that is unset) is a problem too: the environment's chain is not a
    // fallback for a service principal that lost its secret.
    auto read = [&](const Field* k, std::string_view name, bool is_secret, std::string& out) {
      if (k != nullptr) {
        set(r.required_string(m, f, name, is_secret), out);
      }
    };
    read(tenant, "tenant_id", false, p.tenant_id);
    read(id, "client_id", false, p.client_id);
    read(secret, "client_secret", true, p.client_secret);
    // The tenant becomes a path segment of the token URL: a GUID or a domain name.
    if (!p.tenant_id.empty() &&
        p.tenant_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789.-") != std::string::npos) {
      r.problem(*tenant, "expected a tenant id (a GUID) or domain (contoso.onmicrosoft.com)");
    }
  }
  if (authority != nullptr) {
    if (auto url = read_http_url(r, *authority)) {
      p.authority_host = std::move(*url);
    }
  }
}

void read_typed(Reader& r, const Fields& m, const Field& f, Provider& p) {
  switch (p.type) {
    case ProviderType::OpenAI:  // api_key optional: local servers (vLLM, Ollama) need none
      read_base_url(r, m, f, /*required=*/true, p);
      if (const Field* k = m.get("api_key")) {
        set(r.string(*k, /*secret=*/true), p.api_key);
      }
      read_max_tokens_field(r, m, p);
      break;
    case ProviderType::AzureOpenAI:
      read_base_url(r, m, f, /*required=*/true, p);
      read_azure_auth(r, m, f, p);
      set(r.required_string(m, f, "api_version"), p.api_version);
      read_max_tokens_field(r, m, p);
      break;
    case ProviderType::Anthropic:
      p.base_url = "https://api.anthropic.com";
      read_base_url(r, m, f, /*required=*/false, p);
      set(r.required_string(m, f, "api_key", /*secret=*/true), p.api_key);
      p.api_version = "2023-06-01";
      if (const Field* v = m.get("anthropic_version")) {
        set(r.string(*v), p.api_version);
      }
      break;
    case ProviderType::Bedrock:
      set(read_region(r, m, f), p.region);
      if (!p.region.empty()) {
        p.base_url = "https://bedrock-runtime." + p.region + ".amazonaws.com";
      }
      read_base_url(r, m, f, /*required=*/false, p);
      read_aws_keys(r, m, f, p);
      break;
    case ProviderType::Vertex:
      set(r.required_string(m, f, "project"), p.project);
      set(read_region(r, m, f), p.region);
      // The Vertex SDK's hosts (protocols.md 5.1, vertex::default_base_url): the global and
      // multi-region ("us", "eu") locations have no "{region}-aiplatform" host.
      if (p.region == "global") {
        p.base_url = "https://aiplatform.googleapis.com";
      } else if (p.region == "us" || p.region == "eu") {
        p.base_url = "https://aiplatform." + p.region + ".rep.googleapis.com";
      } else if (!p.region.empty()) {
        p.base_url = "https://" + p.region + "-aiplatform.googleapis.com";
      }
      read_base_url(r, m, f, /*required=*/false, p);
      // Optional: without it `serve` uses Google's Application Default Credentials (the
      // environment, gcloud's file, the metadata server), which `check` does not look at. Given,
      // it must name a file: an empty value is a mistake, not a request for the default.
      if (m.get("credentials_file") != nullptr) {
        set(r.required_string(m, f, "credentials_file"), p.credentials_file);
      }
      break;
  }
}

Provider read_provider(Reader& r, const std::string& name, const Field& f) {
  Provider p;
  p.name = name;
  p.line = f.line;
  if (!f.value.IsMap()) {
    r.problem(f, "expected a mapping with the provider's type and settings");
    return p;
  }
  bool type_ok = false;
  auto type = find_type(r, f, type_ok);
  std::string context = type ? "a provider of type " + std::string(to_string(*type)) : "a provider";
  auto m = r.fields(f, keys_for(type), context);
  if (!m) {
    return p;
  }
  if (const Field* h = m->get("headers")) {
    read_headers(r, *h, p);
  }
  read_timeouts(r, *m, p);
  if (!type_ok) {
    return p;
  }
  p.type = *type;
  read_typed(r, *m, f, p);
  return p;
}

}  // namespace

void read_providers(Reader& r, const Field& section, std::map<std::string, Provider>& out) {
  auto all = r.entries(section);
  if (!all) {
    return;
  }
  for (auto& [name, f] : *all) {
    if (!valid_name(name)) {
      r.problem(f, "provider names must be non-empty, without spaces or control characters");
      continue;
    }
    // Kept even when it has problems, so deployments naming it are not reported a second time.
    out.emplace(name, read_provider(r, name, f));
  }
}

bool valid_config_name(std::string_view s) { return valid_name(s); }

}  // namespace gw::config::detail
