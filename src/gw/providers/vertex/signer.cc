// The Vertex RequestSigner: a TokenSource per provider and worker, whose bearer token goes into
// every request. The credential is read once at construction (the key file, or the default
// credentials `serve` looked up); its error, if any, is kept and reported on each request instead
// of aborting start-up.
#include <optional>
#include <string>
#include <vector>

#include <boost/algorithm/string/predicate.hpp>

#include "gw/providers/vertex/adc.h"
#include "gw/providers/vertex/grant_jwt_bearer.h"
#include "gw/providers/vertex/token_source.h"
#include "gw/providers/vertex/vertex_signer.h"

namespace gw::vertex {

namespace {

// The provider's grant, what errors call it (nothing for a credentials_file: its messages stay as
// they have always been; the default credentials' description otherwise), and the project billed
// for quota (x-goog-user-project; empty: none sent).
struct ChosenGrant {
  std::shared_ptr<const TokenGrant> grant;
  std::string source;
  std::string quota_project;
};

Result<ChosenGrant> choose_grant(const config::Provider& p, const DefaultCredentials* adc) {
  if (!p.credentials_file.empty()) {
    auto sa = load_service_account(p.credentials_file, p.name);
    if (!sa) {
      return sa.error();
    }
    return ChosenGrant{
        std::make_shared<JwtBearerGrant>(std::move(*sa), "credentials_file " + p.credentials_file),
        "", ""};
  }
  const Result<std::shared_ptr<const TokenGrant>>* found =
      adc != nullptr ? adc->for_provider(p.name) : nullptr;
  if (found == nullptr) {
    Error e = make_error(Code::UpstreamError,
                         "provider " + p.name +
                             ": no Google credentials (no credentials_file, and Application "
                             "Default Credentials were not looked up)");
    e.provider = p.name;
    e.retryable = false;
    return e;
  }
  if (!*found) {
    return found->error();
  }
  const std::string& override_project = adc->quota_project_override();
  return ChosenGrant{**found, (**found)->describe(),
                     override_project.empty() ? (**found)->quota_project() : override_project};
}

class VertexSigner final : public RequestSigner {
 public:
  VertexSigner(const config::Provider& p,
               HttpClient& client,
               const Clock& clock,
               const DefaultCredentials* adc) {
    if (!p.credentials_file.empty()) {
      files_.push_back(p.credentials_file);
    } else if (adc != nullptr) {
      files_ = adc->files();
    }
    auto chosen = choose_grant(p, adc);
    if (!chosen) {
      load_error_ = chosen.error();
      return;
    }
    // Every worker's signer for this credential shares one token (token_cache.h). A test
    // clock gets a cache of its own: ManualClock times mean nothing to the real clock's users.
    quota_project_ = std::move(chosen->quota_project);
    for (std::string& f : chosen->grant->files()) {
      files_.push_back(std::move(f));
    }
    TokenSourceOptions opts;
    auto cache = &clock == &real_clock()
                     ? oauth::shared_token_cache(TokenSource::cache_key(*chosen->grant, opts))
                     : nullptr;
    source_.emplace(p.name, std::move(chosen->source), std::move(chosen->grant), client, clock,
                    std::move(opts), std::move(cache));
  }

  net::awaitable<Result<void>> sign(UpstreamRequest& req) override {
    if (!source_) {
      co_return *load_error_;
    }
    auto token = co_await source_->token();
    if (!token) {
      co_return token.error();
    }
    // Replace rather than add: a retried request arrives here with the previous attempt's headers.
    std::erase_if(req.headers, [](const auto& h) {
      return boost::algorithm::iequals(h.first, "authorization") ||
             boost::algorithm::iequals(h.first, "x-goog-user-project");
    });
    req.headers.emplace_back("authorization", "Bearer " + *token);
    if (!quota_project_.empty()) {
      req.headers.emplace_back("x-goog-user-project", quota_project_);
    }
    co_return Result<void>{};
  }

  net::awaitable<bool> invalidate(const UpstreamRequest&, const UpstreamResponse& answer) override {
    if (answer.status != 401 || !source_) {
      co_return false;  // not a token problem, or no credentials loaded: a retry changes nothing
    }
    source_->invalidate();
    co_return true;
  }

  std::vector<std::string> credential_files() const override { return files_; }

 private:
  std::optional<TokenSource> source_;
  std::optional<Error> load_error_;
  std::string quota_project_;
  std::vector<std::string> files_;  // credentials_file, or the ADC files, and what the grant reads
};

}  // namespace

std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const Clock& clock,
                                                  const DefaultCredentials* adc) {
  return std::make_unique<VertexSigner>(p, client, clock, adc);
}

std::unique_ptr<RequestSigner> make_vertex_signer(const config::Provider& p,
                                                  HttpClient& client,
                                                  const DefaultCredentials* adc) {
  return make_vertex_signer(p, client, real_clock(), adc);
}

}  // namespace gw::vertex
