#pragma once
// Where the stages meet (design.md): parse -> authenticate -> admit (limits) -> plan -> attempt
// deployments in order (encode, sign, send) -> relay or render -> meter -> log.
#include "gw/common/asio.h"
#include "gw/dialects/dialect.h"
#include "gw/server/session.h"

namespace gw {

net::awaitable<void> handle_chat(Session& session, const ClientRequest& req,
                                 const ClientDialect& dialect);

}  // namespace gw
