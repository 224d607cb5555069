#include "gw/server/relay.h"

#include <type_traits>
#include <variant>

#include "gw/common/secret_scan.h"
#include "gw/server/worker.h"
#include "gw/telemetry/access_log.h"

namespace gw {

namespace {

constexpr size_t kMaxErrorBody = 1 << 20;      // an upstream error body we read to classify
constexpr size_t kMaxResponseBody = 64 << 20;  // a non-streamed upstream answer
constexpr int64_t kAskIfClientGaveUpAfter_us = 1'000'000;

AttemptOutcome fail(Error e) { return AttemptOutcome{false, std::move(e)}; }

// switchyard_upstream_errors_total counts failed upstream attempts. send_upstream counts those
// that fail before a 2xx head; these are the ones that fail after it: a 200 body cut short or
// malformed, a stream broken by an error event, an exception frame, a corrupt or truncated
// frame, a dropped connection or a stall, before its content (failed over) or after it. Each
// attempt fails at most once here: the first failure ends it.
void count_failure(Call& call, const Error& e) {
  call.worker.app().metrics.upstream_error(e.provider, e.code_name());
}

bool is_output(const StreamEvent& ev) {
  return std::holds_alternative<TextDelta>(ev) || std::holds_alternative<ToolArgsDelta>(ev) ||
         std::holds_alternative<ThinkingDelta>(ev) || std::holds_alternative<BlockStart>(ev);
}

// The stream's opening (message_start, an empty block start, pings) is held until the first
// content, so that an upstream failing in between (an Anthropic overloaded_error after
// message_start, a connection reset) still fails over instead of reaching the client as an error
// event. Bounded in time, so pings keep flowing to intermediaries that cut idle connections, and in
// size, so a misbehaving upstream cannot make the gateway buffer a stream.
constexpr std::chrono::milliseconds kMaxHeadHold{1000};
constexpr size_t kMaxHeldBytes = 64 << 10;

bool is_content(const StreamEvent& ev) {
  if (const auto* t = std::get_if<TextDelta>(&ev)) {
    return !t->text.empty();
  }
  return std::holds_alternative<ToolArgsDelta>(ev) || std::holds_alternative<ThinkingDelta>(ev) ||
         std::holds_alternative<Finish>(ev);
}

net::awaitable<AttemptOutcome> relay_plain(Call& call, UpstreamExchange& ex, ProviderRuntime& rt) {
  auto body = co_await ex.read_all(kMaxResponseBody);
  if (!body) {
    Error e = body.error();
    e.provider = rt.cfg->name;
    count_failure(call, e);
    co_return fail(std::move(e));
  }
  UpstreamResponse resp{ex.status(), ex.headers(), std::move(*body)};
  auto decoded = rt.codec->decode(resp);
  if (!decoded) {
    Error e = decoded.error();
    e.code = Code::UpstreamError;
    e.retryable = true;  // a malformed answer is the deployment's fault: another may do better
    e.provider = rt.cfg->name;
    count_failure(call, e);
    co_return fail(std::move(e));
  }
  call.usage.on_response(*decoded);
  if (call.usage.counted()) {
    decoded->usage = call.usage.usage();  // the upstream reported none: the client is told what is billed
  }
  ClientReply reply{200, Headers{{"content-type", "application/json"}}, call.dialect.render(*decoded, call.chat)};
  call.status = 200;
  call.ttft_us = call.elapsed_us();
  // A client that gave up waiting is recorded as such (its answer is billed all the same). Asked
  // only of a slow answer: one system call, and nobody gives up on one that took a millisecond.
  if (call.ttft_us > kAskIfClientGaveUpAfter_us && call.session.client_gone()) {
    call.status = kClientClosedRequest;
    call.outcome = "client_disconnected";
    co_await call.meter();
    co_return AttemptOutcome{true, std::nullopt};
  }
  // The record is durable before the client can see the end of a successful response.
  if (!co_await call.meter()) {
    co_await call.reply_withheld_for_ledger();
    co_return AttemptOutcome{true, std::nullopt};
  }
  const Headers routing = call.routing_headers();
  if (!co_await call.session.write_reply(reply, routing)) {
    call.outcome = "client_disconnected";
  }
  co_return AttemptOutcome{true, std::nullopt};
}

// `request_headers`: what was sent, for withhold_sent_credentials.
net::awaitable<AttemptOutcome> relay_stream(Call& call, UpstreamExchange& ex, ProviderRuntime& rt,
                                            const Headers& request_headers) {
  auto decoder = rt.codec->stream_decoder();
  auto encoder = call.dialect.stream_encoder(call.chat);
  bool started = false;  // has the client's stream begun (head prepared, events encoded)?
  bool sent = false;     // has any of it been written? Until then a failure may still fail over.
  bool content = false;  // has content been encoded? Until then the opening is held (kMaxHeadHold).
  SteadyTime held_since{};
  // What this attempt changes on the call, restored if it fails over before anything was sent.
  const unsigned status_before = call.status;
  const int64_t ttft_before = call.ttft_us;
  bool metered = false;
  bool ended = false;
  // Where the end of the answer (the finish reason) begins in `out`. From the finish on, nothing
  // is written until the stream ends: if its record cannot be made durable, the client gets an
  // error in place of the whole end, not a finish reason followed by an error.
  std::optional<size_t> finish_at;
  std::string chunk;
  std::string out;  // client bytes of the current batch
  std::vector<StreamEvent> events;
  while (!ended) {
    chunk.clear();
    events.clear();
    auto more = co_await ex.read_some(chunk);
    if (!more) {
      events.emplace_back(StreamError{more.error()});
    } else if (!*more) {
      decoder->finish(events);
      ended = true;  // whatever finish() said is the last word
    } else {
      decoder->feed(chunk, events);
    }
    for (auto& ev : events) {
      if (auto* err = std::get_if<StreamError>(&ev)) {
        err->error.provider = rt.cfg->name;
        withhold_sent_credentials(request_headers, err->error);
        count_failure(call, err->error);
        if (!sent) {
          // Nothing has reached the client yet, not even the events decoded from the same read
          // as this error (an Anthropic message_start followed at once by an overloaded_error):
          // as if this attempt had never begun, a retryable failure tries the next deployment
          // and any other becomes a plain error reply with its real status (protocols.md
          // appendix B.12), not a 200 stream holding an error event. run_attempt tells health.
          if (started) {
            call.session.abandon_stream();
            call.usage = UsageAccumulator(call.input_estimate);
            call.status = status_before;
            call.ttft_us = ttft_before;
          }
          co_return fail(err->error);
        }
        call.outcome = "upstream_stream_error";
        call.error_message = err->error.message;
      }
      call.usage.on_event(ev);
      if (!started) {
        call.status = 200;
        call.session.begin_stream(call.routing_headers(), call.dialect.stream_keepalive());
        started = true;
        held_since = call.worker.app().clock.steady_now();
      }
      content = content || is_content(ev);
      if (call.ttft_us < 0 && is_output(ev)) {
        call.ttft_us = call.elapsed_us();
      }
      const bool last = std::holds_alternative<MessageStop>(ev) || std::holds_alternative<StreamError>(ev);
      if (std::holds_alternative<MessageStop>(ev)) {
        // The final event goes out only once the record is durable (strict). The events decoded
        // with it wait too and leave in the same write: one send and one client wake-up, not
        // two, for at most one group commit's delay of events that were already complete.
        // A client gone meanwhile (its earlier writes taken by the kernel all the same) is
        // recorded as gone, not as served; asked only of a long stream, as for a whole answer.
        if (sent && call.elapsed_us() > kAskIfClientGaveUpAfter_us && call.session.client_gone()) {
          call.outcome = "client_disconnected";
          break;
        }
        const bool durable = co_await call.meter();
        metered = true;
        if (!durable) {
          // Everything before the end has gone out; the end does not: an error event instead.
          out.resize(finish_at.value_or(out.size()));
          encoder->encode_to(StreamEvent{StreamError{call.withheld_for_ledger()}}, out);
          ended = true;
          break;
        }
        if (call.usage.counted()) {
          // The upstream ended without (all of) its usage: the client's final usage is what the
          // ledger bills, counted, rather than zeros.
          encoder->encode_to(StreamEvent{UsageUpdate{call.usage.usage()}}, out);
        }
      }
      if (!finish_at && std::holds_alternative<Finish>(ev)) {
        finish_at = out.size();
      }
      encoder->encode_to(ev, out);
      if (last) {
        ended = true;
        break;
      }
    }
    // One write per upstream read: the events decoded from it go out together. The last batch
    // waits for end_stream below, which sends it with the terminating chunk.
    const bool release = !finish_at && (sent || content || out.size() >= kMaxHeldBytes ||
                                        call.worker.app().clock.steady_now() - held_since >= kMaxHeadHold);
    if (!ended && !out.empty() && release && call.outcome != "client_disconnected") {
      sent = true;
      if (!co_await call.session.write_chunk(out)) {
        call.outcome = "client_disconnected";
      }
      out.clear();
    }
    if (call.outcome == "client_disconnected") {
      break;
    }
  }
  if (!metered) {
    co_await call.meter();
  }
  if (started && call.outcome != "client_disconnected") {
    if (!co_await call.session.end_stream(out)) {
      call.outcome = "client_disconnected";
    }
  } else if (!started) {
    call.session.no_keep_alive();
  }
  co_return AttemptOutcome{true, std::nullopt};
}

}  // namespace

void withhold_sent_credentials(const Headers& sent, Error& e) {
  // Derived here, on the error path only, not for every request sent.
  const std::vector<std::string> credentials = sent_credentials(sent);
  const std::vector<std::string_view> secrets(credentials.begin(), credentials.end());
  if (quotes_any(e.message, secrets)) {
    e.message = "provider " + e.provider + " answered with an error that quoted a credential the gateway sent" +
                (e.upstream_status != 0 ? " (HTTP " + std::to_string(e.upstream_status) + ")" : std::string()) +
                "; its text is withheld";
  }
  if (quotes_any(e.upstream_type, secrets)) {
    e.upstream_type.clear();
  }
  if (quotes_any(e.upstream_code, secrets) || quotes_any(e.upstream_detail, secrets)) {
    e.upstream_code.clear();
    e.upstream_detail.clear();
  }
}

net::awaitable<Result<UpstreamAnswer>> send_upstream(Call& call, ProviderRuntime& rt,
                                                      UpstreamRequest& wire, SteadyTime started) {
  App& app = call.worker.app();
  const Attempt& a = *call.attempt;
  const config::Deployment& dep = *a.deployment;
  const auto& p = *rt.cfg;
  // A refusal the signer can remedy (a Vertex OAuth token revoked or expired early, protocols.md
  // 5.5; AWS temporary credentials expired or revoked, or a clock AWS calls skewed) is retried
  // once, signed afresh, on the same deployment.
  const size_t unsigned_headers = wire.headers.size();  // signing appends; a retry signs afresh
  for (int auth_try = 0;; ++auth_try) {
    wire.headers.resize(unsigned_headers);
    if (rt.signer) {
      auto signed_ok = co_await rt.signer->sign(wire);
      if (!signed_ok) {
        Error e = signed_ok.error();
        e.provider = dep.provider;
        // The files the credential comes from are named in the log, not to the client (audit
        // vertex_azure.md F5); logged when the failure changes, not once per request.
        const std::string full = e.message;
        if (withhold_paths(e.message, rt.signer->credential_files()) &&
            full != rt.credential_failure_logged) {
          log_event("provider_credentials_failed", full);
          rt.credential_failure_logged = full;
        }
        app.metrics.upstream_error(dep.provider, std::string(e.code_name()));
        co_return e;
      }
    }
    const auto sent = app.clock.steady_now();
    const Timeouts timeouts{p.connect_timeout, p.first_byte_timeout, p.idle_timeout};
    auto ex = co_await call.worker.http().start(wire, timeouts);
    if (!ex) {
      Error e = ex.error();
      // Sent but not answered (no head in time, a malformed or oversized one): the upstream may
      // have worked on it, so the request is recorded like one it refused.
      call.reached_upstream = call.reached_upstream || e.request_sent;
      e.provider = dep.provider;
      a.health->on_failure(a.id, e, started);
      app.metrics.upstream_error(dep.provider, std::string(e.code_name()));
      co_return e;
    }
    call.reached_upstream = true;
    const auto waited = app.clock.steady_now() - sent;
    const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(waited);
    app.metrics.upstream_latency(dep.provider, std::chrono::duration<double>(waited).count());

    UpstreamExchange& exchange = **ex;
    if (exchange.status() >= 200 && exchange.status() < 300) {
      co_return UpstreamAnswer{std::move(*ex), latency};
    }
    auto body = co_await exchange.read_all(kMaxErrorBody);
    UpstreamResponse resp{exchange.status(), exchange.headers(), body ? std::move(*body) : std::string()};
    if (rt.signer && auth_try == 0) {
      auto invalidating = rt.signer->invalidate(wire, resp);
      const bool again = co_await std::move(invalidating);
      if (again) {
        app.metrics.upstream_error(
            dep.provider, resp.status == 401 ? std::string("Unauthenticated") : std::string(rt.codec->classify(resp).code_name()));
        continue;
      }
    }
    Error e = rt.codec->classify(resp);
    e.provider = dep.provider;
    e.upstream_status = exchange.status();
    withhold_sent_credentials(wire.headers, e);
    a.health->on_failure(a.id, e, started);
    app.metrics.upstream_error(dep.provider, std::string(e.code_name()));
    co_return e;
  }
}

net::awaitable<Result<void>> reserve_capacity(Call& call, uint64_t tokens) {
  App& app = call.worker.app();
  const Attempt& a = *call.attempt;
  const config::Deployment& dep = *a.deployment;
  auto reserving = app.limiter->reserve_deployment(a.id, dep.rpm, dep.tpm, tokens);
  auto cap = co_await std::move(reserving);
  if (!cap) {
    // Our own limit of the deployment, like an upstream 429: the next deployment is tried (without
    // using up an attempt, pipeline.cc), and a request every deployment turns away this way is a
    // 429 with the limiter's retry-after, not an outage.
    Error e = cap.error();
    e.code = Code::RateLimited;
    e.retryable = true;
    e.provider = dep.provider;
    e.message = "deployment " + a.id + " is at capacity (its rpm/tpm)";
    call.capacity_skipped = true;
    co_return e;
  }
  call.deployment_reservation = std::move(*cap);
  co_return Result<void>{};
}

Result<ProviderRuntime*> attempt_runtime(Call& call) {
  const std::string& provider = call.attempt->deployment->provider;
  ProviderRuntime* rt = call.worker.provider(provider);
  if (rt == nullptr) {
    return make_error(Code::Internal, "provider '" + provider + "' is not configured");
  }
  return rt;
}

net::awaitable<AttemptOutcome> run_attempt(Call& call) {
  const Attempt& a = *call.attempt;
  const config::Deployment& dep = *a.deployment;
  auto found = attempt_runtime(call);
  if (!found) {
    co_return fail(found.error());
  }
  ProviderRuntime* rt = *found;

  // The estimate assumes the output the upstream may produce, as the key's does (pipeline.cc):
  // input alone let every request without max_tokens in until their settlements overran the
  // deployment's tpm.
  const int64_t max_output =
      call.chat.params.max_tokens.value_or(dep.max_tokens_default.value_or(kDefaultMaxTokensEstimate));
  auto reserving = reserve_capacity(call, call.input_estimate + static_cast<uint64_t>(max_output));
  auto cap = co_await std::move(reserving);
  if (!cap) {
    co_return fail(cap.error());
  }
  // An attempt the upstream answered, even with an error, counts against the deployment's
  // capacity (one request, no tokens), as the last attempt's does when the request is metered;
  // only one that never reached it is refunded (when the next attempt's reservation replaces it).
  auto count_failed = [&call] { call.deployment_reservation->settle(Usage{}, 0); };

  auto req = rt->codec->encode(call.chat, dep);
  if (!req) {
    co_return fail(req.error());  // the request cannot be expressed for this provider: 400
  }
  req->headers.emplace_back("x-request-id", call.request_id);

  InflightGuard inflight(*a.health, a.id);
  auto sending = send_upstream(call, *rt, *req, inflight.started);
  auto answered = co_await std::move(sending);
  if (!answered) {
    if (answered.error().upstream_status != 0) {
      count_failed();
    }
    co_return fail(answered.error());
  }
  const std::chrono::milliseconds latency = answered->latency;
  UpstreamExchange& exchange = *answered->exchange;
  // Health hears how the attempt ended, not that a 2xx head arrived: a malformed answer, a body
  // cut short or a stream that fails before its content is a failure of this deployment, and a
  // success recorded before it would reset its consecutive failures, so it were never ejected.
  // Two statements, not a conditional expression: g++ 12 mis-destroys temporaries of a
  // co_await inside ?: (seen as a double free of the outcome).
  if (call.chat.stream) {
    AttemptOutcome streamed = co_await relay_stream(call, exchange, *rt, req->headers);
    if (streamed.done) {
      a.health->on_success(a.id, latency, inflight.started);
    } else {
      a.health->on_failure(a.id, *streamed.error, inflight.started);
      count_failed();
    }
    co_return streamed;
  }
  AttemptOutcome plain = co_await relay_plain(call, exchange, *rt);
  if (plain.done) {
    a.health->on_success(a.id, latency, inflight.started);
  } else if (plain.error) {
    plain.error->provider = dep.provider;
    a.health->on_failure(a.id, *plain.error, inflight.started);
    count_failed();
  }
  co_return plain;
}

}  // namespace gw
