// The Bedrock RequestSigner: SigV4 over the encoded request's final bytes. Pure apart from the
// clock and the chain's current credential (read without waiting: a thread of its own refreshes
// it), so nothing here waits; the awaitable interface is for signers that fetch tokens.
#include <boost/url/parse.hpp>
#include <optional>
#include <string>

#include "gw/providers/bedrock/bedrock_signer.h"
#include "gw/upstream/target.h"

namespace gw::bedrock {

namespace {

bool is_own_header(std::string_view name) {
  for (std::string_view own : {"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"}) {
    if (name.size() == own.size() &&
        std::equal(name.begin(), name.end(), own.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
      return true;
    }
  }
  return false;
}

class BedrockSigner final : public RequestSigner {
 public:
  BedrockSigner(const config::Provider& p,
                const Clock& clock,
                std::shared_ptr<const CredentialProvider> chain)
      : p_(p), clock_(clock), chain_(std::move(chain)) {
    if (!p_.access_key_id.empty()) {
      static_ = Credentials{p_.access_key_id, p_.secret_access_key, p_.session_token};
    }
  }

  net::awaitable<Result<void>> sign(UpstreamRequest& req) override {
    std::shared_ptr<const Credentials> held;  // keeps the chain's credential alive while signing
    const Credentials* creds = static_ ? &*static_ : nullptr;
    if (creds == nullptr && chain_) {
      auto c = chain_->current();
      if (!c) {
        Error e = c.error();
        e.message = "provider " + p_.name + ": " + e.message;
        e.provider = p_.name;
        co_return e;
      }
      held = std::move(*c);
      creds = held.get();
    }
    if (creds == nullptr || creds->access_key_id.empty() || creds->secret_access_key.empty()) {
      Error e = make_error(Code::UpstreamError,
                           "provider " + p_.name +
                               " has no AWS credentials (access_key_id, secret_access_key, or the "
                               "AWS default credential chain)");
      e.provider = p_.name;
      co_return e;
    }
    auto r = sign_request(req, *creds, p_.region, clock_.now());
    if (!r) {
      Error e = r.error();
      e.provider = p_.name;
      co_return e;
    }
    co_return Result<void>{};
  }

 private:
  const config::Provider& p_;
  const Clock& clock_;
  std::shared_ptr<const CredentialProvider> chain_;
  std::optional<Credentials> static_;
};

}  // namespace

Result<void> sign_request(UpstreamRequest& req, const Credentials& creds, std::string_view region,
                          SystemTime now) {
  // Read as the HTTP client reads it (upstream/target.h), so the signed Host is the one it sends.
  auto target = upstream::parse_target(req.url);
  if (!target) {
    return make_error(Code::Internal, "cannot sign a request to '" + req.url + "': not an absolute URL");
  }
  auto url = boost::urls::parse_origin_form(target->target);
  if (!url) {
    return make_error(Code::Internal, "cannot sign a request to '" + req.url + "': not an absolute URL");
  }
  if (region.empty()) {
    return make_error(Code::UpstreamError, "cannot sign for AWS without a region");
  }
  SigningInput in;
  in.method = req.method;
  in.host = target->host_header;
  in.path = url->encoded_path().empty() ? std::string("/") : std::string(url->encoded_path());
  for (const auto& param : url->params()) {
    in.query.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  std::erase_if(req.headers, [](const auto& h) { return is_own_header(h.first); });
  in.headers = req.headers;
  in.body = req.body;
  in.region = std::string(region);
  in.time = now;
  Signature s = sign_v4(creds, in);
  for (auto& h : s.added_headers) {
    req.headers.push_back(std::move(h));
  }
  return {};
}

std::unique_ptr<RequestSigner> make_bedrock_signer(const config::Provider& p,
                                                   const Clock& clock,
                                                   std::shared_ptr<const CredentialProvider> chain) {
  return std::make_unique<BedrockSigner>(p, clock, std::move(chain));
}

}  // namespace gw::bedrock
