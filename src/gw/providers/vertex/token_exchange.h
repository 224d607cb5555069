#pragma once
// The HTTP side every grant shares: form bodies and one call to a token endpoint with its answer
// read as JSON. Reading the answer itself is oauth/token_answer.h's, as for Microsoft Entra ID.
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

// Sends `req` and reads the answer, which must be HTTP 200 with a JSON object (read an OAuth
// token from it with oauth::token_of). Other statuses become oauth::rejected_answer's error, which
// withholds whatever quotes one of call.secrets or any JWT.
net::awaitable<Result<boost::json::object>> call_token_endpoint(const GrantContext& ctx,
                                                                const UpstreamRequest& req,
                                                                const TokenCall& call);

// An UpstreamRequest with the headers every token call sends: accept JSON, and `content_type`
// unless empty.
UpstreamRequest token_request(std::string method, std::string url, std::string content_type,
                              std::string body);

}  // namespace gw::vertex
