#pragma once
// What an OAuth token endpoint answers, read the same way for every cloud: Google's token_uri
// (JWT-bearer grant), Microsoft Entra ID (client credentials), Azure's managed identity endpoints.
// RFC 6749 5.1 / 5.2, plus the managed identity variants: expires_in may come quoted
// ("3599"), and App Service gives only expires_on (epoch seconds, quoted).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/upstream/http_client.h"

namespace gw::oauth {

struct FetchedToken {
  std::string token;
  std::chrono::seconds lifetime{0};  // from when it was asked for
};

// Who asks, for errors: "provider <provider>: could not obtain <what>: <why>".
struct TokenErrorContext {
  std::string provider;
  std::string what;  // "a Google access token", "a Microsoft Entra ID token"
  // Credentials the request carried (an assertion's signature, a client secret, a federated
  // token): an error_description that quotes one of them is withheld, never shown.
  std::vector<std::string> secrets;
};

// An UpstreamError naming the provider; retryable as given. A timeout keeps its code (504).
Error token_error(const TokenErrorContext& ctx,
                  std::string why,
                  bool retryable,
                  Code code = Code::UpstreamError);
// `e` (an exchange's own error, keeping its code, retryability and upstream status) with its
// message prefixed as above and the provider set.
Error token_error(const TokenErrorContext& ctx, Error e);

// The endpoint's own words made safe to show in a message: printable ASCII, at most 200 bytes,
// and withheld ("description withheld: it quoted a credential") when the full text quotes a
// credential: any JWT ("eyJ" opens one: an assertion, a federated token) or 16 consecutive bytes of
// one of `secrets` (a secret shorter than that: the whole of it, from 6 bytes). A server that
// echoes the grant would otherwise leak a bearer-equivalent credential into logs and errors.
std::string safe_text(std::string_view text, const std::vector<std::string_view>& secrets);

// A non-200 answer of a token endpoint as an UpstreamError without the provider:
// "<endpoint> answered HTTP <status>[ <type>][ (<description>)]" with the server's error in
// either form, OAuth 2's {"error": "invalid_grant", "error_description": ...} (RFC 6749 5.2) or
// Google APIs' {"error": {"status": ..., "message": ...}}, each part through safe_text.
// upstream_status and upstream_type are set. Retryable for 408, 429 and 5xx, not for rejections of
// the credential (400/401/403: invalid_grant, invalid_client, an unknown identity).
Error rejected_answer(std::string_view endpoint, unsigned status, const boost::json::object* answer,
                      const std::vector<std::string_view>& secrets);

// A 200 answer's token: a non-empty access_token, living expires_in seconds (a number or a
// numeric string), else expires_on minus `now` (epoch seconds, quoted or not), else an hour (RFC
// 6749 makes both optional). Errors (not retryable, without the provider) name `endpoint`.
Result<FetchedToken> token_of(const boost::json::object& answer, std::string_view endpoint, SystemTime now);

// The token endpoint's answer: status and body as received, `now` the wall clock (for
// expires_on). 200 needs a non-empty access_token; its lifetime is expires_in (a number or a
// numeric string), else expires_on minus now, else an hour (RFC 6749 makes both optional). Other
// statuses are errors with the endpoint's `error` and `error_description` (printable, bounded,
// withheld when they quote a secret); retryable for 408, 429 and 5xx, not for rejections of the
// credential (400/401/403: invalid_grant, invalid_client, an unknown identity).
Result<FetchedToken> read_token_answer(unsigned status,
                                       std::string_view body,
                                       SystemTime now,
                                       const TokenErrorContext& ctx);

// Sends `req` and reads the answer with read_token_answer. `endpoint` names the endpoint in errors
// (a URL without query, never a credential). Connection failures and timeouts are retryable.
net::awaitable<Result<FetchedToken>> exchange(HttpClient& http,
                                              const UpstreamRequest& req,
                                              const Timeouts& timeouts,
                                              std::string_view endpoint,
                                              const Clock& clock,
                                              const TokenErrorContext& ctx);

}  // namespace gw::oauth
