#pragma once
// POST /v1/messages/count_tokens (protocols.md 2.9): authenticated and parsed like /v1/messages
// (max_tokens not required), then counted by the first of the model's deployments, in its plan
// order, whose provider can count (anthropic count_tokens, Bedrock CountTokens, Vertex
// count-tokens:rawPredict), failing over as chat does. Counting is free upstream: no limits are
// reserved and no ledger record is written; the request is logged and counted in /metrics
// (route="count_tokens"). A model none of whose deployments can count gets a 400.
#include "gw/common/asio.h"
#include "gw/server/session.h"

namespace gw {

net::awaitable<void> handle_count_tokens(Session& session, const ClientRequest& req);

}  // namespace gw
