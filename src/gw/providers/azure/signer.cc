// The Entra ID RequestSigner: one oauth::TokenSource per provider and worker, over the token
// cache its source shares with every worker (entra_credentials.h).
#include <optional>

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

  bool invalidate() override {
    if (!source_) {
      return false;  // no source: nothing a retry could change
    }
    source_->invalidate();
    return true;
  }

 private:
  std::string provider_;
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
