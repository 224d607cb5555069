// The Entra ID RequestSigner: one oauth::TokenSource per provider and worker, over the token
// cache its source shares with every worker (entra_credentials.h).
#include <optional>
#include <string>
#include <vector>

#include <boost/algorithm/string/predicate.hpp>

#include "gw/providers/azure/azure_signer.h"
#include "gw/providers/azure/token_fetch.h"

namespace gw::azure {

namespace {

class EntraSigner final : public RequestSigner {
 public:
  EntraSigner(const config::Provider& p, const EntraSource* src, HttpClient& http, const Clock& clock)
      : provider_(p.name) {
    if (src == nullptr) {
      return;
    }
    if (!src->spec.token_file.empty()) {
      files_.push_back(src->spec.token_file);  // workload identity's federated token
    }
    source_.emplace(
        error_context(p.name, src->spec),
        [src, &http, &clock, name = p.name]() {
          return fetch_entra_token(src->spec, name, http, clock, src->options.timeouts);
        },
        clock, src->options, src->cache);
  }

  net::awaitable<Result<void>> sign(UpstreamRequest& req) override {
    if (!source_) {
      Error e = make_error(Code::UpstreamError,
                           "provider " + provider_ +
                               ": no Microsoft Entra ID credential source was set up (no api_key)");
      e.provider = provider_;
      e.retryable = true;
      co_return e;
    }
    auto token = co_await source_->token();
    if (!token) {
      co_return token.error();
    }
    // Replace rather than add: a retried request arrives here with the previous attempt's header.
    // Azure refuses a request that carries both an api-key and a bearer token.
    std::erase_if(req.headers, [](const auto& h) {
      return boost::algorithm::iequals(h.first, "authorization") ||
             boost::algorithm::iequals(h.first, "api-key");
    });
    req.headers.emplace_back("authorization", "Bearer " + *token);
    co_return Result<void>{};
  }

  // Only a 401 says the token is refused (a 403 is the identity's missing role: a new token of the
  // same identity would be refused as well).
  net::awaitable<bool> invalidate(const UpstreamRequest&, const UpstreamResponse& answer) override {
    if (!source_ || answer.status != 401) {
      co_return false;  // no source, or not the token's fault: nothing a retry could change
    }
    source_->invalidate();
    co_return true;
  }

  std::vector<std::string> credential_files() const override { return files_; }

 private:
  std::string provider_;
  std::vector<std::string> files_;
  std::optional<oauth::TokenSource> source_;
};

}  // namespace

std::unique_ptr<RequestSigner> make_entra_signer(const config::Provider& p,
                                                 const EntraSource* src,
                                                 HttpClient& client,
                                                 const Clock& clock) {
  return std::make_unique<EntraSigner>(p, src, client, clock);
}

}  // namespace gw::azure
