#pragma once
// The route table: which handler serves which method and path.
#include <string_view>

#include "gw/common/asio.h"
#include "gw/common/http_types.h"
#include "gw/dialects/dialect.h"
#include "gw/server/session.h"

namespace gw {

net::awaitable<void> dispatch(Session& session, ClientRequest& req);

// The dialect whose error format a path uses (Anthropic for /v1/messages, OpenAI otherwise).
const ClientDialect& dialect_for_path(std::string_view target);
ClientReply render_too_large(std::string_view target);
// 431: the request's header exceeds max_header_bytes, in the target's dialect.
ClientReply render_headers_too_large(std::string_view target);
// 400: a request that is not well-formed HTTP/1.1 (`what` says how), in the target's dialect.
ClientReply render_malformed(std::string_view target, std::string_view what);

// A request target without its query.
std::string_view path_of(std::string_view target);

// The /metrics route label of a client API path ("chat_completions", "messages", "count_tokens",
// "embeddings"), as its handler counts it; empty for any other path.
std::string_view route_label(std::string_view path);

// The virtual key from "Authorization: Bearer KEY" or "x-api-key: KEY".
std::string_view presented_key(const ClientRequest& req);

}  // namespace gw
