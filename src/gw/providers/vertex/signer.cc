// The Vertex RequestSigner: a TokenSource per provider and worker, whose bearer token goes into
// every request. The key file is read once at construction; its error, if any, is kept and
// reported on each request instead of aborting start-up.
#include <optional>

#include <boost/algorithm/string/predicate.hpp>

#include "gw/providers/vertex/token_source.h"
#include "gw/providers/vertex/vertex_signer.h"

namespace gw::vertex {

namespace {

class VertexSigner final : public RequestSigner {
 public:
  VertexSigner(const config::Provider& p, HttpClient& client, const Clock& clock) {
    auto sa = load_service_account(p.credentials_file, p.name);
    if (!sa) {
      load_error_ = sa.error();
      return;
    }
    // Every worker's signer for this service account shares one token (token_cache.h). A test
    // clock gets a cache of its own: ManualClock times mean nothing to the real clock's users.
    TokenSourceOptions opts;
    auto cache =
        &clock == &real_clock() ? oauth::shared_token_cache(TokenSource::cache_key(*sa, opts)) : nullptr;
    source_.emplace(p.name, std::move(*sa), client, clock, std::move(opts), std::move(cache));
  }

  net::awaitable<Result<void>> sign(UpstreamRequest& req) override {
    if (!source_) {
      co_return *load_error_;
    }
    auto token = co_await source_->token();
    if (!token) {
      co_return token.error();
    }
    // Replace rather than add: a retried request arrives here with the previous attempt's header.
    std::erase_if(req.headers, [](const auto& h) {
      return boost::algorithm::iequals(h.first, "authorization");
    });
    req.headers.emplace_back("authorization", "Bearer " + *token);
    co_return Result<void>{};
  }

  bool invalidate() override {
    if (!source_) {
      return false;  // no credentials loaded: nothing a retry could change
    }
    source_->invalidate();
    return true;
  }

 private:
  std::optional<TokenSource> source_;
  std::optional<Error> load_error_;
};

}  // namespace

std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const Clock& clock) {
  return std::make_unique<VertexSigner>(p, client, clock);
}

std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p, HttpClient& client) {
  return make_vertex_signer(p, client, real_clock());
}

}  // namespace gw::vertex
