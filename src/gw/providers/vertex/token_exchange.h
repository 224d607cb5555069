#pragma once
// The HTTP side every grant shares: form bodies, one call to a token endpoint with its answer read
// as JSON, the endpoint's error turned into a message that quotes no credential, and the OAuth2
// {access_token, expires_in} answer.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

// application/x-www-form-urlencoded, the fields in the given order, every byte but RFC 3986's
// unreserved characters percent-encoded (what URLSearchParams does for ':' and '/').
std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

// A grant's own error (TokenGrant::fetch). `code` other than UpstreamTimeout becomes UpstreamError.
Error grant_error(std::string why, bool retryable, Code code = Code::UpstreamError);

struct TokenCall {
  std::string_view endpoint;  // how errors name the server: "token endpoint", "STS", ...
  // What the request carried that the answer must not echo into our messages (an assertion, a
  // refresh token, a subject token, a client secret).
  std::vector<std::string_view> secrets;
};

// Sends `req` and reads the answer, which must be HTTP 200 with a JSON object. Other statuses
// become errors naming the status and the server's error type and description, both forms: OAuth
// {"error": "invalid_grant", "error_description": ...} and Google APIs' {"error": {"status",
// "message"}}; upstream_status and upstream_type are set. A description that quotes one of
// call.secrets (or any JWT) is withheld.
net::awaitable<Result<boost::json::object>> call_token_endpoint(const GrantContext& ctx,
                                                                const UpstreamRequest& req,
                                                                const TokenCall& call);

// {"access_token": ..., "expires_in": N} (N optional: an hour; a quoted number is accepted).
// `endpoint` as in TokenCall.
Result<GrantedToken> oauth_token_of(const boost::json::object& o, std::string_view endpoint);

// An UpstreamRequest with the headers every token call sends: accept JSON, and `content_type`
// unless empty.
UpstreamRequest token_request(std::string method, std::string url, std::string content_type,
                              std::string body);

}  // namespace gw::vertex
