#pragma once
// Where the stages meet (design.md): parse -> authenticate -> admit (limits) -> plan -> attempt
// deployments in order (encode, sign, send) -> relay or render -> meter -> log.
#include "gw/canonical/chat.h"
#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/dialects/dialect.h"
#include "gw/server/session.h"

namespace gw {

struct Call;

net::awaitable<void> handle_chat(Session& session, const ClientRequest& req,
                                 const ClientDialect& dialect);

// The steps every client route that reaches a model takes (chat and count_tokens alike):
// The virtual key (Bearer or x-api-key) -> call.who; 401 when missing or unknown.
Result<void> authenticate(Call& call);
// A parsed body -> call.chat (with the anthropic-version and anthropic-beta headers), then its model:
// 404 when no such model is configured, 403 when the key may not use it.
Result<void> accept_request(Call& call, Result<ChatRequest> parsed);

// The error a client sees when every attempt failed (502/503/504, or 429 when all throttled).
Error exhausted(const Error& last, int attempts);
// Whether an attempt's error is the client's doing (ends failover) rather than the deployment's.
bool client_fault(const Error& e);

}  // namespace gw
