#pragma once
// Where the stages meet (design.md): parse -> authenticate -> admit (limits) -> plan -> attempt
// deployments in order (encode, sign, send) -> relay or render -> meter -> log.
#include <chrono>
#include <functional>
#include <optional>

#include "gw/canonical/chat.h"
#include "gw/common/asio.h"
#include "gw/common/result.h"
#include "gw/dialects/dialect.h"
#include "gw/limits/limiter.h"
#include "gw/routing/router.h"
#include "gw/server/session.h"

namespace gw {

struct App;
struct Attempt;
struct Call;
class RoutePlan;

net::awaitable<void> handle_chat(Session& session, const ClientRequest& req,
                                 const ClientDialect& dialect);

// The steps every client route that reaches a model takes (chat and count_tokens alike):
// The virtual key (Bearer or x-api-key) -> call.who; 401 when missing or unknown.
Result<void> authenticate(Call& call);
// A parsed body -> call.chat (with the anthropic-version and anthropic-beta headers), then its model:
// 404 when no such model is configured, 403 when the key may not use it.
Result<void> accept_request(Call& call, Result<ChatRequest> parsed);

// What the failover loop (chat and count_tokens alike) learns from each failed attempt, and the
// error the client sees when none answered.
// One attempt at call.attempt's deployment: nullopt once the client has its answer (or went away),
// else why the next deployment should be tried.
using AttemptFn = std::function<net::awaitable<std::optional<Error>>()>;

// Tries `plan`'s deployments in order through `one` (call.attempt and call.attempts set before
// each), as Failover decides, counting failovers in /metrics. Returns the client's error when no
// attempt answered: its own fault, or 502/503/504 (429) after failover. A client gone before
// the next deployment is tried ends it: nullopt, with the call's outcome client_disconnected. Chat, embeddings and
// count_tokens all go through here, so they fail over alike.
net::awaitable<std::optional<Error>> attempt_in_order(Call& call, RoutePlan& plan, const AttemptFn& one);

// How a routed request ends, the same for chat, embeddings and count_tokens.
struct Routed {
  std::optional<Error> refused;      // refused before routing (body, key, model): answered as is
  std::optional<Estimate> reserve;   // what the key's limits must allow; nullopt: not held to them
  RouteRequest route;                // what the router weighs
  Router::DeploymentFilter usable;   // the deployments that can serve it; empty: every one
  const Router* router = nullptr;    // who plans it: nullptr is app.router (count_tokens: its own)
  // The request writes a ledger record (also when it fails after reaching an upstream), so it is
  // refused while the ledger is failing.
  bool metered = true;
};
// Unless `r.refused` already: reserves the key's limits, plans the model over the usable
// deployments and tries them through attempt_in_order with `one`. A refusal or the error after the
// last attempt is answered in the call's dialect. Then the access-log line.
net::awaitable<void> serve_routed(Call& call, Routed r, const AttemptFn& one);

class Failover {
 public:
  bool failing() const { return last_.has_value(); }
  // An attempt at `a` failed with `e`: true when the next deployment should be tried, false when
  // the client caused it (a 4xx the upstream blamed on the request, a request we cannot translate).
  bool failed(const Attempt& a, Error e);
  void answered() { last_.reset(); }
  // nullopt when an attempt answered; else the client's error: its own fault as it is, or
  // 502/503/504 (429 with retry-after when every attempt was throttled) after `attempts` tries.
  std::optional<Error> client_error(int attempts) const;

 private:
  std::optional<Error> last_;
  // How soon the first deployment that throttled this request takes traffic again: the
  // retry-after of a 429 for the whole request (routing/health.h: a 429 without retry-after rests
  // its deployment 1 s, doubling while it keeps throttling).
  std::optional<std::chrono::milliseconds> throttled_for_;
};

}  // namespace gw
