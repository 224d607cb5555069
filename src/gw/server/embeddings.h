#pragma once
// POST /v1/embeddings (OpenAI format): authenticated, limited, routed over the model's deployments
// whose provider embeds (OpenAI-format upstreams), failed over, metered like chat.
#include "gw/common/asio.h"
#include "gw/server/session.h"

namespace gw {

net::awaitable<void> handle_embeddings(Session& session, const ClientRequest& req);

}  // namespace gw
