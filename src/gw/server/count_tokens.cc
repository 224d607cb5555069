#include "gw/server/count_tokens.h"

#include <algorithm>
#include <string>

#include "gw/canonical/usage_accumulator.h"
#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/server/call.h"
#include "gw/server/pipeline.h"
#include "gw/server/relay.h"
#include "gw/server/worker.h"

namespace gw {

namespace {

constexpr size_t kMaxCountBody = 1 << 20;  // {"input_tokens": N} is a few bytes

// Whether the deployment's provider has a counting API for it (providers/codec.h).
bool can_count(Worker& worker, const config::Deployment& dep) {
  const ProviderRuntime* rt = worker.provider(dep.provider);
  return rt != nullptr && rt->codec->can_count(dep);
}

Error not_countable(const std::string& model) {
  Error e = make_error(Code::InvalidRequest,
                       "token counting is not available for model '" + model +
                           "': none of its deployments is served by a provider that counts tokens "
                           "(anthropic, vertex, or bedrock with an Anthropic model)");
  e.param = "model";
  return e;
}

// One counting attempt at call.attempt's deployment: the count, or why the next one should be
// tried. Nothing is reserved or metered: counting costs nothing upstream.
net::awaitable<Result<uint64_t>> count_attempt(Call& call) {
  const Attempt& a = *call.attempt;
  const config::Deployment& dep = *a.deployment;
  auto found = attempt_runtime(call);
  if (!found) {
    co_return found.error();
  }
  ProviderRuntime* rt = *found;
  auto req = rt->codec->encode_count(call.chat, dep);
  if (!req) {
    co_return req.error();  // the request cannot be expressed for this provider: 400
  }
  req->headers.emplace_back("x-request-id", call.request_id);

  InflightGuard inflight(*a.health, a.id);
  auto sending = send_upstream(call, *rt, *req, inflight.started);
  auto answered = co_await std::move(sending);
  if (!answered) {
    co_return answered.error();
  }
  auto body = co_await answered->exchange->read_all(kMaxCountBody);
  Result<uint64_t> count = body ? rt->codec->decode_count(UpstreamResponse{
                                      answered->exchange->status(), answered->exchange->headers(),
                                      std::move(*body)})
                                : Result<uint64_t>(body.error());
  if (!count) {
    Error e = count.error();
    e.code = Code::UpstreamError;
    e.retryable = true;  // a malformed or cut answer is the deployment's fault: another may do better
    e.provider = dep.provider;
    a.health->on_failure(a.id, e, inflight.started);
    call.worker.app().metrics.upstream_error(e.provider, e.code_name());
    co_return e;
  }
  a.health->on_success(a.id, answered->latency, inflight.started);
  co_return *count;
}

// What route: cost prices: the input to count, and no output (nothing is generated).
RouteRequest count_route_request(Call& call) {
  call.input_estimate = estimate_input_tokens(call.chat);
  return RouteRequest{call.input_estimate, 0};
}

net::awaitable<void> reply_count(Call& call, uint64_t n) {
  call.status = 200;
  // The access log shows the count as the request's input tokens; nothing is metered.
  ChatResponse counted;
  counted.usage.input = n;
  call.usage = UsageAccumulator(0);
  call.usage.on_response(counted);
  const ClientReply reply{200, Headers{{"content-type", "application/json"}},
                          "{\"input_tokens\":" + std::to_string(n) + "}"};
  const Headers routing = call.routing_headers();
  if (!co_await call.session.write_reply(reply, routing)) {
    call.outcome = "client_disconnected";
  }
}

}  // namespace

net::awaitable<void> handle_count_tokens(Session& session, const ClientRequest& req) {
  Call call(session, req, anthropic_messages_dialect());

  // Counting is not held to the key's limits and never metered (nothing is generated).
  Routed r;
  r.metered = false;
  // Planned and health-tracked apart from chat (app.h): a throttled count endpoint (Vertex answers
  // count-tokens 429s from its own quota) must not cool the deployment down for generation.
  r.router = &call.worker.app().count_router;
  r.usable = [&call](const config::Deployment& dep) { return can_count(call.worker, dep); };
  if (auto who = authenticate(call); !who) {
    r.refused = who.error();
  } else if (auto ok = accept_request(call, anthropic::parse_count_tokens_request(req.body())); !ok) {
    r.refused = ok.error();
  } else if (std::none_of(call.model->deployments.begin(), call.model->deployments.end(), r.usable)) {
    r.refused = not_countable(call.chat.model);
  } else {
    r.route = count_route_request(call);
  }
  const AttemptFn count = [&call]() -> net::awaitable<std::optional<Error>> {
    auto counted = co_await count_attempt(call);
    if (!counted) {
      co_return counted.error();
    }
    co_await reply_count(call, *counted);
    co_return std::nullopt;
  };
  co_await serve_routed(call, std::move(r), count);
}

}  // namespace gw
