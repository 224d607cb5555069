// Start-up of the azure_openai providers' Entra ID sources (entra_credentials.h).
#include "gw/providers/azure/entra_credentials.h"

#include <optional>
#include <stdexcept>

#include "gw/providers/azure/token_fetch.h"

namespace gw::azure {

namespace {

// The first token, on a short-lived io_context of its own (the workers' do not run yet). It lands
// in the source's cache, where the workers find it.
Result<std::string> first_token(const std::string& provider,
                                 const EntraSource& src,
                                 const Clock& clock) {
  net::io_context io;
  auto http = make_http_client(io.get_executor());
  oauth::TokenSource ts(
      error_context(provider, src.spec),
      [&]() { return fetch_entra_token(src.spec, provider, *http, clock, src.options.timeouts); },
      clock, src.options, src.cache);
  std::optional<Result<std::string>> out;
  // Stopped when the token is in: the HTTP client's keep-alive sweep would hold the context.
  net::co_spawn(
      io, [&]() -> net::awaitable<void> { out.emplace(co_await ts.token()); },
      [&](std::exception_ptr e) {
        io.stop();
        if (e) {
          std::rethrow_exception(e);
        }
      });
  io.run();
  return std::move(*out);
}

}  // namespace

oauth::TokenSourceOptions token_options(const EntraSourceSpec& spec) {
  oauth::TokenSourceOptions o;
  if (spec.kind == SourceKind::InstanceMetadata) {
    o.timeouts.connect = std::chrono::milliseconds(2000);
  }
  return o;
}

std::unique_ptr<EntraCredentials> EntraCredentials::start(const config::Config& cfg,
                                                          const config::EnvLookup& env,
                                                          const Clock& clock,
                                                          LogFn log) {
  auto set = std::make_unique<EntraCredentials>();
  std::map<std::string, std::shared_ptr<EntraSource>> by_source;
  for (const auto& [name, p] : cfg.providers) {
    if (p.type != config::ProviderType::AzureOpenAI || !p.api_key.empty()) {
      continue;
    }
    const std::string who = "provider " + name + " (azure_openai, no api_key): ";
    auto spec = choose_entra_source(p, env);
    if (!spec) {
      throw std::runtime_error(who + spec.error().message);
    }
    auto& shared = by_source[spec->key()];
    if (shared) {
      if (log) {
        log("azure_credentials", "provider " + name + ": shares " + spec->describe());
      }
      set->by_provider_[name] = shared;
      continue;
    }
    shared = std::make_shared<EntraSource>(
        EntraSource{*spec, std::make_shared<oauth::SharedTokenCache>(), token_options(*spec)});
    auto first = first_token(name, *shared, clock);
    if (!first && spec->kind == SourceKind::InstanceMetadata) {
      // Instance metadata is the chain's last resort, assumed rather than configured: if it
      // does not answer, there is no source at all.
      throw std::runtime_error(
          who +
          "no Microsoft Entra ID credentials found: no tenant_id/client_id/client_secret, nothing "
          "in the environment (AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE, "
          "IDENTITY_ENDPOINT + IDENTITY_HEADER) and " +
          first.error().message);
    }
    if (log) {
      log("azure_credentials", "provider " + name + ": " + spec->describe());
      if (!first) {
        log("azure_credentials_unavailable", first.error().message);
      }
    }
    set->by_provider_[name] = shared;
  }
  return set;
}

const EntraSource* EntraCredentials::for_provider(const std::string& name) const {
  auto it = by_provider_.find(name);
  return it == by_provider_.end() ? nullptr : it->second.get();
}

}  // namespace gw::azure
