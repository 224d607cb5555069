#include "gw/server/embeddings.h"

#include <algorithm>
#include <string>

#include "gw/dialects/openai_embeddings/openai_embeddings.h"
#include "gw/ledger/pricing.h"
#include "gw/server/call.h"
#include "gw/server/pipeline.h"
#include "gw/server/relay.h"
#include "gw/server/worker.h"

namespace gw {

namespace {

constexpr size_t kMaxEmbeddingsBody = 256 << 20;  // 2048 inputs x 3072 floats as JSON text fits

bool can_embed(Worker& worker, const config::Deployment& dep) {
  const ProviderRuntime* rt = worker.provider(dep.provider);
  return rt != nullptr && rt->codec->can_embed(dep);
}

// Whether an embedding deployment can carry this request (token ids go only to OpenAI-format
// upstreams; some models take no `dimensions`): OK, or the 400 naming the field.
Result<void> can_carry(Worker& worker, const config::Deployment& dep, const EmbeddingRequest& req) {
  return worker.provider(dep.provider)->codec->check_embed(req, dep);
}

Error not_embeddable(const std::string& model) {
  Error e = make_error(Code::InvalidRequest,
                       "embeddings are not available for model '" + model +
                           "': none of its deployments is an embedding model the gateway can call "
                           "(openai or azure_openai deployments; Amazon Titan or Cohere Embed on "
                           "bedrock; Google's text embedding models on vertex)");
  e.param = "model";
  return e;
}

// Which deployments may be tried: none that embeds is not_embeddable(); none of those that can
// carry the request answers the first one's reason (a 400 naming the field).
std::optional<Error> refuse_uncarriable(Worker& worker, const config::Model& model, const EmbeddingRequest& req) {
  std::optional<Error> first_reason;
  for (const auto& dep : model.deployments) {
    if (!can_embed(worker, dep)) {
      continue;
    }
    auto ok = can_carry(worker, dep, req);
    if (ok) {
      return std::nullopt;
    }
    if (!first_reason) {
      first_reason = ok.error();
    }
  }
  return first_reason ? first_reason : std::optional<Error>(not_embeddable(req.model));
}

// Who asks, for which model, and what their limits must allow: the input estimate at the model's
// dearest deployment (embeddings produce no output).
Result<Estimate> admit(Call& call, const EmbeddingRequest& req) {
  if (auto r = authenticate(call); !r) {
    return r.error();
  }
  ChatRequest named;  // what the shared steps (model checks, metering, logs) read of a request
  named.model = req.model;
  if (auto r = accept_request(call, std::move(named)); !r) {
    return r.error();
  }
  call.input_estimate = req.input_estimate;
  call.usage = UsageAccumulator(req.input_estimate);
  Estimate est;
  est.tokens = req.input_estimate;
  Usage worst;
  worst.input = req.input_estimate;
  for (const auto& dep : call.model->deployments) {
    est.cost_nano_usd = std::max(est.cost_nano_usd, cost_nano_usd(worst, dep.price));
  }
  return est;
}

struct Answers {
  std::vector<UpstreamResponse> responses;  // the 2xx answers, in the order of the requests
  std::chrono::milliseconds latency{0};     // the first request's time to its answer's head
};

// Sends the deployment's requests one after another (Titan embeds one text a call): every answer,
// or the first failure. A failure has upstream_status != 0 once the upstream answered; a cut or
// oversized 2xx body is the deployment's retryable fault, health already told.
net::awaitable<Result<Answers>> exchange_each(Call& call,
                                              ProviderRuntime& rt,
                                              std::vector<UpstreamRequest>& wires,
                                              SteadyTime started) {
  Answers out;
  out.responses.reserve(wires.size());
  for (UpstreamRequest& wire : wires) {
    wire.headers.emplace_back("x-request-id", call.request_id);
    auto sending = send_upstream(call, rt, wire, started);
    auto answered = co_await std::move(sending);
    if (!answered) {
      co_return answered.error();
    }
    if (out.responses.empty()) {
      out.latency = answered->latency;
    }
    UpstreamExchange& exchange = *answered->exchange;
    auto reading = exchange.read_all(kMaxEmbeddingsBody);
    auto body = co_await std::move(reading);
    if (!body) {
      Error e = body.error();
      e.code = Code::UpstreamError;
      e.retryable = true;
      e.provider = call.attempt->deployment->provider;
      e.upstream_status = exchange.status();
      call.attempt->health->on_failure(call.attempt->id, e, started);
      call.worker.app().metrics.upstream_error(e.provider, e.code_name());
      co_return e;
    }
    out.responses.push_back(UpstreamResponse{exchange.status(), exchange.headers(), std::move(*body)});
  }
  co_return out;
}

// One attempt at call.attempt's deployment: true once the client has its answer (or went away),
// else why the next deployment should be tried.
net::awaitable<Result<void>> embed_attempt(Call& call, const EmbeddingRequest& req) {
  const Attempt& a = *call.attempt;
  const config::Deployment& dep = *a.deployment;
  auto found = attempt_runtime(call);
  if (!found) {
    co_return found.error();
  }
  ProviderRuntime* rt = *found;
  auto reserving = reserve_capacity(call, req.input_estimate);
  auto cap = co_await std::move(reserving);
  if (!cap) {
    co_return cap.error();
  }
  auto wires = rt->codec->encode_embed(req, dep);
  if (!wires) {
    co_return wires.error();
  }

  InflightGuard inflight(*a.health, a.id);
  // An answered failure counts against the deployment's capacity; one that never reached it is
  // refunded when the next attempt's reservation replaces it (relay.cc does the same for chat).
  auto count_failed = [&call] { call.deployment_reservation->settle(Usage{}, 0); };
  auto exchanging = exchange_each(call, *rt, *wires, inflight.started);
  auto answers = co_await std::move(exchanging);
  if (!answers) {
    if (answers.error().upstream_status != 0) {
      count_failed();
    }
    co_return answers.error();
  }
  Result<EmbeddingResponse> decoded = rt->codec->decode_embed(req, dep, answers->responses);
  if (!decoded) {
    Error e = decoded.error();
    e.code = Code::UpstreamError;
    e.retryable = true;  // a malformed answer is the deployment's fault: another may do better
    e.provider = dep.provider;
    a.health->on_failure(a.id, e, inflight.started);
    call.worker.app().metrics.upstream_error(e.provider, e.code_name());
    count_failed();
    co_return e;
  }
  a.health->on_success(a.id, answers->latency, inflight.started);

  ChatResponse billed;  // the usage the upstream reported; none reported leaves the estimate counted
  billed.usage = decoded->usage;
  call.usage.on_response(billed);
  // A translated answer tells the client what is billed (the estimate when the upstream counted
  // nothing); an OpenAI-format one keeps its own usage, as its bytes pass through.
  decoded->usage.input = call.usage.usage().input;
  call.status = 200;
  call.ttft_us = call.elapsed_us();
  const ClientReply reply{200, Headers{{"content-type", "application/json"}},
                          openai::render_embedding_response(*decoded, req)};
  // The record is durable before the client can see the answer, as for chat.
  if (!co_await call.meter()) {
    co_await call.reply_withheld_for_ledger();
    co_return Result<void>{};
  }
  const Headers routing = call.routing_headers();
  if (!co_await call.session.write_reply(reply, routing)) {
    call.outcome = "client_disconnected";
  }
  co_return Result<void>{};
}

}  // namespace

net::awaitable<void> handle_embeddings(Session& session, const ClientRequest& http) {
  Call call(session, http, openai_chat_dialect());

  Routed r;
  auto parsed = openai::parse_embedding_request(http.body());
  if (!parsed) {
    r.refused = parsed.error();
  } else if (auto admitted = admit(call, *parsed); !admitted) {
    r.refused = admitted.error();
  } else if (auto uncarriable = refuse_uncarriable(call.worker, *call.model, *parsed)) {
    r.refused = std::move(uncarriable);
  } else {
    r.reserve = *admitted;
    r.route = RouteRequest{call.input_estimate, 0};
    r.usable = [&call, &req = *parsed](const config::Deployment& dep) {
      return can_embed(call.worker, dep) && can_carry(call.worker, dep, req).has_value();
    };
  }
  const AttemptFn embed = [&call, &parsed]() -> net::awaitable<std::optional<Error>> {
    auto done = co_await embed_attempt(call, *parsed);
    co_return done ? std::nullopt : std::optional<Error>(done.error());
  };
  co_await serve_routed(call, std::move(r), embed);
}

}  // namespace gw
