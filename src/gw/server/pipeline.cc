#include "gw/server/pipeline.h"

#include <algorithm>

#include "gw/canonical/usage_accumulator.h"
#include "gw/common/utf8.h"
#include "gw/ledger/pricing.h"
#include "gw/server/call.h"
#include "gw/server/relay.h"
#include "gw/server/routes.h"
#include "gw/server/worker.h"

namespace gw {

Result<void> authenticate(Call& call) {
  App& app = call.worker.app();
  std::string_view key = presented_key(call.http);
  if (key.empty()) {
    return make_error(Code::Unauthenticated,
                         "missing API key: send Authorization: Bearer <key> or x-api-key");
  }
  auto who = app.keys->authenticate(key);
  if (!who) {
    return who.error();
  }
  call.who = std::move(*who);
  return {};
}

Result<void> accept_request(Call& call, Result<ChatRequest> parsed) {
  if (!parsed) {
    return parsed.error();
  }
  call.chat = std::move(*parsed);
  call.chat.anthropic_version = std::string(call.http["anthropic-version"]);
  call.chat.anthropic_beta = std::string(call.http["anthropic-beta"]);

  call.model = call.worker.app().cfg.model(call.chat.model);
  if (call.model == nullptr) {
    Error e = make_error(Code::ModelNotFound, "model '" + excerpt(call.chat.model) + "' does not exist");
    e.param = "model";
    return e;
  }
  if (!call.who.allows(call.chat.model)) {
    return make_error(Code::PermissionDenied,
                         "this key may not use model '" + call.chat.model + "'");
  }
  return {};
}

namespace {

// Admission: who is calling, what they asked for, and the estimate their limits must allow
// (reserved by handle_chat: synchronous here, so no coroutine frame of its own).
Result<Estimate> admit(Call& call) {
  if (auto r = authenticate(call); !r) {
    return r.error();
  }
  if (auto r = accept_request(call, call.dialect.parse(call.http.body())); !r) {
    return r.error();
  }

  // Reserve an estimate now, settle with the actual usage later (limits/limiter.h).
  const uint64_t input = estimate_input_tokens(call.chat);
  call.input_estimate = input;
  call.usage = UsageAccumulator(input);
  Estimate est;
  call.output_estimate = static_cast<uint64_t>(call.chat.params.max_tokens.value_or(kDefaultMaxTokensEstimate));
  est.tokens = input + call.output_estimate;
  for (const auto& dep : call.model->deployments) {
    Usage worst;
    worst.input = input;
    worst.output = est.tokens - input;
    est.cost_nano_usd = std::max(est.cost_nano_usd, cost_nano_usd(worst, dep.price));
  }
  return est;
}

// When failover is exhausted the client sees 502/503/504 (contract.md), never the raw 429/5xx
// of whichever deployment happened to fail last.
Error exhausted(const Error& last, int attempts) {
  Error e = last;
  switch (last.code) {
    case Code::UpstreamTimeout:
    case Code::UpstreamOverloaded:
    case Code::UpstreamUnavailable:
    case Code::UpstreamRejected:  // only a 404 gets here: still a 404 (protocols.md 3.8)
      break;
    case Code::RateLimited:
      // Every deployment we could try is throttling: say so (429 + the upstream's retry-after,
      // protocols.md 3.8) so the client backs off instead of treating it as an outage. Every
      // 429 carries retry-after (contract.md), also when the upstream gave none (Bedrock never
      // does): handle_chat puts the throttled deployments' cool-down there; failing that, 1 s,
      // the shortest wait the header can say.
      if (!e.retry_after_s) {
        e.retry_after_s = 1;
      }
      break;
    default:
      e.code = Code::UpstreamError;
  }
  // The upstream's figure, within what the deployment's cool-down honours (routing/health.h): a
  // retry-after of 0 would invite an immediate retry into the same throttle, and one of years
  // would stop a client long after the gateway tries that deployment again.
  if (e.retry_after_s) {
    e.retry_after_s = std::clamp<int64_t>(*e.retry_after_s, 1, kMaxRetryAfter.count());
  }
  if (attempts == 0) {  // every deployment was passed over at its own rpm/tpm, none called
    e.message = "every deployment is at its capacity; last: " + last.message;
    return e;
  }
  e.message = "all upstream attempts failed (" + std::to_string(attempts) + " tried); last: " +
              (last.provider.empty() ? "" : last.provider + ": ") + last.message;
  return e;
}

// Errors the client caused (a 4xx the upstream blamed on the request, or a request we cannot
// translate) end the request; anything else moves on to the next deployment. An upstream 404 is
// about the deployment (a model id not enabled in that region or project, a wrong base_url), not
// about the model the client named, which exists: another deployment may well serve it.
bool client_fault(const Error& e) {
  return (e.code == Code::UpstreamRejected && e.upstream_status != 404) || e.code == Code::InvalidRequest;
}

}  // namespace

bool Failover::failed(const Attempt& a, Error e) {
  last_ = std::move(e);
  if (client_fault(*last_)) {
    return false;
  }
  if (last_->code == Code::RateLimited) {
    if (auto cool = a.health->cooling(a.id)) {
      throttled_for_ = throttled_for_ ? std::min(*throttled_for_, *cool) : *cool;
    }
  }
  return true;
}

std::optional<Error> Failover::client_error(int attempts) const {
  if (!last_ || client_fault(*last_)) {
    return last_;
  }
  Error e = *last_;
  if (e.code == Code::RateLimited && throttled_for_) {
    e.retry_after_s = std::chrono::ceil<std::chrono::seconds>(*throttled_for_).count();
  }
  return exhausted(e, attempts);
}

net::awaitable<std::optional<Error>> attempt_in_order(Call& call, RoutePlan& plan, const AttemptFn& one) {
  App& app = call.worker.app();
  Failover failover;
  std::optional<Attempt> last_called;  // the last deployment an attempt actually reached for
  while (auto attempt = plan.next()) {
    if (failover.failing()) {
      if (call.session.client_gone()) {
        // Nobody is waiting for the answer any more: another deployment's call would be spent
        // (and billed) for nothing. The request ends as a disconnect, recorded if it reached one.
        plan.not_attempted();
        call.outcome = "client_disconnected";
        call.status = kClientClosedRequest;
        call.left_before_answer = true;
        co_return std::nullopt;
      }
      app.metrics.failover(call.chat.model);
    }
    call.attempt = attempt;
    call.attempts = plan.attempts_made();
    call.capacity_skipped = false;
    auto trying = one();
    std::optional<Error> failed = co_await std::move(trying);
    if (!failed) {
      failover.answered();
      break;
    }
    if (call.capacity_skipped) {
      // Passed over without a call: no attempt used, and no routing header or log line naming it.
      plan.not_attempted();
      call.attempts = plan.attempts_made();
      call.attempt = last_called;
    } else {
      last_called = attempt;
    }
    if (!failover.failed(*attempt, std::move(*failed))) {
      break;
    }
  }
  co_return failover.client_error(call.attempts);
}

net::awaitable<void> serve_routed(Call& call, Routed r, const AttemptFn& one) {
  App& app = call.worker.app();
  std::optional<Error> refused = std::move(r.refused);
  if (!refused && r.metered && app.ledger->failing()) {
    // An answer now could not be recorded: better no upstream call (and cost) at all. The
    // database's own error is logged by the writer (ledger_write_failed), not shown here.
    Error e = make_error(Code::Unavailable,
                         "the gateway cannot record usage right now (its usage ledger is failing); retry later");
    e.retry_after_s = 1;
    refused = std::move(e);
  }
  if (!refused && r.reserve) {
    // Awaited: the Redis limiter asks Redis (limits/redis_limiter.h).
    auto reserving = app.limiter->reserve_key(call.who, *r.reserve);
    auto res = co_await std::move(reserving);
    if (res) {
      call.key_reservation = std::move(*res);
    } else {
      refused = res.error();
    }
  }
  if (refused) {
    co_await call.reply_error(*refused);
  } else if (auto plan = (r.router != nullptr ? *r.router : app.router).plan(*call.model, r.route, r.usable);
             !plan) {
    const Error cooling = plan.error();
    co_await call.reply_error(cooling);
  } else {
    auto trying = attempt_in_order(call, *plan, one);
    const std::optional<Error> final = co_await std::move(trying);
    // An attempt that answered has metered itself (a client gone during a slow answer too).
    if (call.left_before_answer) {
      if (r.metered && call.reached_upstream) {
        co_await call.meter();
      }
    } else if (final) {
      co_await call.reply_error(*final);
      if (r.metered && call.reached_upstream) {
        co_await call.meter();
      }
    }
  }
  call.finish_log();
}

net::awaitable<void> handle_chat(Session& session, const ClientRequest& req,
                                 const ClientDialect& dialect) {
  Call call(session, req, dialect);
  Routed r;
  if (auto est = admit(call); est) {
    r.reserve = *est;
    r.route = RouteRequest{call.input_estimate, call.output_estimate};
  } else {
    r.refused = est.error();
  }
  const AttemptFn chat = [&call]() -> net::awaitable<std::optional<Error>> {
    AttemptOutcome out = co_await run_attempt(call);
    co_return out.error;
  };
  co_await serve_routed(call, std::move(r), chat);
}

}  // namespace gw
