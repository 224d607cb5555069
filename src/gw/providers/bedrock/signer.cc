// The Bedrock RequestSigner: SigV4 over the encoded request's final bytes. Pure apart from the
// clock and the chain's current credential (read without waiting: a thread of its own refreshes
// it), so nothing here waits; the awaitable interface is for signers that fetch tokens.
#include <boost/url/parse.hpp>
#include <optional>
#include <string>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

#include "gw/providers/bedrock/bedrock_signer.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/upstream/target.h"

namespace gw::bedrock {

namespace json = boost::json;

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
                std::shared_ptr<CredentialProvider> chain,
                std::shared_ptr<ClockSkew> skew)
      : p_(p), clock_(clock), chain_(std::move(chain)), skew_(skew ? std::move(skew) : std::make_shared<ClockSkew>()) {
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
    auto r = sign_request(req, *creds, p_.region, skew_->corrected(clock_.now()));
    if (!r) {
      Error e = r.error();
      e.provider = p_.name;
      co_return e;
    }
    co_return Result<void>{};
  }

  net::awaitable<bool> invalidate(const UpstreamRequest& sent, const UpstreamResponse& answer) override {
    // A clock AWS disagrees with fails every credential alike: corrected first.
    if (auto aws_now = aws_time_of_refusal(answer)) {
      auto signed_at = parse_amz_date(find_header(sent.headers, "x-amz-date"));
      std::string context = "provider " + p_.name;
      if (!answer_type(answer).empty()) {
        context += ": " + answer_type(answer);
      }
      if (signed_at && skew_->correct(*aws_now, clock_.now(), *signed_at, context)) {
        co_return true;
      }
    }
    if (static_ || !chain_ || !is_expired_token_refusal(answer)) {
      co_return false;  // static keys stay what they are: the client gets the 502
    }
    Credentials rejected;
    rejected.access_key_id = credential_of(find_header(sent.headers, "authorization"));
    rejected.session_token = std::string(find_header(sent.headers, "x-amz-security-token"));
    auto refreshing = chain_->refresh_after_rejection(std::move(rejected));
    co_return co_await std::move(refreshing);
  }

 private:
  static std::string answer_type(const UpstreamResponse& answer) {
    json::error_code ec;
    json::value v = json::parse(answer.body, ec);
    return aws_error_name(answer.headers, !ec && v.is_object() ? &v.get_object() : nullptr);
  }

  // The access key id of "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...".
  static std::string credential_of(std::string_view authorization) {
    const size_t at = authorization.find("Credential=");
    if (at == std::string_view::npos) {
      return {};
    }
    authorization.remove_prefix(at + 11);
    return std::string(authorization.substr(0, authorization.find('/')));
  }

  const config::Provider& p_;
  const Clock& clock_;
  std::shared_ptr<CredentialProvider> chain_;
  std::shared_ptr<ClockSkew> skew_;
  std::optional<Credentials> static_;
};

}  // namespace

Result<void> sign_request(UpstreamRequest& req, const Credentials& creds, std::string_view region,
                          SystemTime now, std::string_view service) {
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
  in.service = std::string(service);
  in.time = now;
  Signature s = sign_v4(creds, in);
  for (auto& h : s.added_headers) {
    req.headers.push_back(std::move(h));
  }
  return {};
}

std::unique_ptr<RequestSigner> make_bedrock_signer(const config::Provider& p,
                                                   const Clock& clock,
                                                   std::shared_ptr<CredentialProvider> chain,
                                                   std::shared_ptr<ClockSkew> skew) {
  return std::make_unique<BedrockSigner>(p, clock, std::move(chain), std::move(skew));
}

bool is_expired_token_refusal(const UpstreamResponse& resp) {
  if (resp.status != 400 && resp.status != 403) {
    return false;
  }
  json::error_code ec;
  json::value v = json::parse(resp.body, ec);
  const json::object* body = !ec && v.is_object() ? &v.get_object() : nullptr;
  const std::string name = aws_error_name(resp.headers, body);
  if (boost::algorithm::iequals(name, "ExpiredTokenException") || boost::algorithm::iequals(name, "ExpiredToken")) {
    return true;
  }
  if (!boost::algorithm::iequals(name, "UnrecognizedClientException") &&
      !boost::algorithm::iequals(name, "InvalidClientTokenId")) {
    return false;
  }
  std::string_view message;
  for (std::string_view key : {"message", "Message"}) {
    if (const json::value* m = body != nullptr ? body->if_contains(key) : nullptr; m != nullptr && m->is_string()) {
      message = m->get_string();
    }
  }
  // The same names also mean an access key AWS does not know at all, which no refresh mends.
  return boost::algorithm::icontains(message, "security token included in the request is invalid") ||
         boost::algorithm::icontains(message, "security token included in the request is expired");
}

}  // namespace gw::bedrock
