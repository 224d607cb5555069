#pragma once
// One attempt at one deployment: capacity, encode, sign, send; then either relay the answer to the
// client (done) or report why the next deployment should be tried.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "gw/common/asio.h"
#include "gw/common/error.h"
#include "gw/server/call.h"
#include "gw/upstream/http_client.h"

namespace gw {

struct ProviderRuntime;

// Pairs DeploymentHealth::on_start with on_end on every path out of an attempt.
struct InflightGuard {
  DeploymentHealth& health;
  const std::string& id;
  const SteadyTime started;  // handed back with the attempt's outcome (routing/health.h)
  InflightGuard(DeploymentHealth& h, const std::string& i)
      : health(h), id(i), started(h.on_start(i)) {}
  ~InflightGuard() { health.on_end(id); }
};

// An upstream that answered with a 2xx head: its body still to read, and how long the head took.
struct UpstreamAnswer {
  std::unique_ptr<UpstreamExchange> exchange;
  std::chrono::milliseconds latency{0};
};

// The runtime (codec, signer, client) of call.attempt's provider; Internal when the worker has
// none by that name.
Result<ProviderRuntime*> attempt_runtime(Call& call);

// An upstream's error (message, type) that quotes a credential its request carried (`sent`, the
// request's headers) is replaced by a description that does not: servers that echo request
// headers back would otherwise put the gateway's provider keys and tokens into client replies
// and logs.
void withhold_sent_credentials(const Headers& sent, Error& e);

// Signs `wire` and sends it to call.attempt's deployment (signing once more with fresh credentials
// after a 401, protocols.md 5.5). A transport failure or a non-2xx answer comes back as the
// classified Error, health and metrics already told; upstream_status != 0 when the upstream
// answered. Sets call.reached_upstream once the request reached it. `started`: the attempt's
// InflightGuard::started, which health hears with a failure.
net::awaitable<Result<UpstreamAnswer>> send_upstream(Call& call, ProviderRuntime& rt,
                                                      UpstreamRequest& wire, SteadyTime started);

// A deployment at its rpm/tpm capacity is skipped, not hammered: reserves one request and
// `tokens` of call.attempt's deployment into call.deployment_reservation, or answers the retryable
// "at capacity" error that moves on to the next deployment.
net::awaitable<Result<void>> reserve_capacity(Call& call, uint64_t tokens);

struct AttemptOutcome {
  bool done = false;           // the client got its answer (or went away): stop trying
  std::optional<Error> error;  // set when !done
};

net::awaitable<AttemptOutcome> run_attempt(Call& call);

}  // namespace gw
