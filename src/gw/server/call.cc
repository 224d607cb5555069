#include "gw/server/call.h"

#include <chrono>

#include "gw/common/ids.h"
#include "gw/ledger/pricing.h"
#include "gw/server/routes.h"
#include "gw/server/worker.h"
#include "gw/telemetry/access_log.h"

namespace gw {

Call::Call(Session& s, const ClientRequest& r, const ClientDialect& d)
    : session(s),
      worker(s.worker()),
      http(r),
      dialect(d),
      route(route_label(path_of(r.target()))),
      request_id(new_request_id()),
      start(s.worker().app().clock.steady_now()),
      wall_start(s.worker().app().clock.now()) {
  App& app = worker.app();
  app.inflight++;
  app.metrics.inflight_add(1);
}

Call::~Call() {
  App& app = worker.app();
  app.metrics.inflight_add(-1);
  app.inflight--;
}

int64_t Call::elapsed_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(worker.app().clock.steady_now() - start)
      .count();
}

Headers Call::routing_headers() const {
  Headers h{{"x-request-id", request_id}};
  if (attempt) {
    h.emplace_back("x-switchyard-provider", attempt->deployment->provider);
    h.emplace_back("x-switchyard-model", attempt->deployment->model);
  }
  return h;
}

net::awaitable<void> Call::reply_error(const Error& e) {
  ClientReply r = dialect.render_error(e);
  Headers extra = routing_headers();
  if (e.retry_after_s) {
    extra.emplace_back("retry-after", std::to_string(*e.retry_after_s));
  }
  status = r.status;
  outcome = std::string(e.code_name());
  error_message = e.message;
  if (e.code == Code::RateLimited || e.code == Code::BudgetExceeded) {
    worker.app().metrics.rate_limited(std::string(e.code_name()));
  }
  co_await session.write_reply(r, extra);
}

net::awaitable<bool> Call::meter() {
  App& app = worker.app();
  const Usage u = usage.usage();
  int64_t cost = 0;
  UsageRecord rec;
  rec.request_id = request_id;
  rec.time_ms = unix_ms(wall_start);
  rec.key_id = who.key_id;
  rec.key_name = who.key_name;
  rec.model = chat.model;
  if (attempt) {
    rec.provider = attempt->deployment->provider;
    rec.deployment = attempt->deployment->model;
    cost = cost_nano_usd(u, attempt->deployment->price);
    app.commitments.add(rec.provider, cost, rec.time_ms);
  }
  rec.usage = u;
  rec.usage_counted = usage.counted() && !u.empty();
  if (usage.implausible()) {
    log_event("upstream_usage_implausible",
              "request " + request_id + ": provider " + rec.provider + " reported more than " +
                  std::to_string(UsageAccumulator::kMaxReportedTokens) + " tokens; the report was ignored and the usage counted");
  }
  rec.cost_nano_usd = cost;
  rec.status = status;
  rec.outcome = outcome;
  rec.latency_ms = elapsed_ms();
  rec.ttft_ms = ttft_ms();
  rec.stream = chat.stream;
  if (key_reservation) {
    key_reservation->settle(u, cost);
  }
  if (deployment_reservation) {
    deployment_reservation->settle(u, cost);
  }
  if (attempt) {
    app.metrics.tokens(chat.model, attempt->deployment->provider, u.input, u.output, u.cache_read,
                       u.cache_write);
  }
  const auto waited_from = std::chrono::steady_clock::now();
  auto r = co_await app.ledger->record(std::move(rec));
  app.metrics.ledger_wait(std::chrono::duration<double>(std::chrono::steady_clock::now() - waited_from).count());
  if (!r) {
    app.metrics.ledger_error();
    log_event("ledger_error", r.error().message);
    co_return false;
  }
  co_return true;
}

Error Call::withheld_for_ledger() {
  // The upstream's answer (and cost) is real and its record will be written once the database
  // takes it; the client learns only that it cannot have the answer. The database's own error
  // is in the log (ledger_write_failed), not here: it names internal hosts.
  Error e = make_error(Code::Unavailable,
                       "the answer is withheld: the gateway could not record its usage durably (the usage "
                       "ledger is failing); the record is kept and written once the ledger recovers");
  outcome = "ledger_unavailable";
  error_message = e.message;
  return e;
}

net::awaitable<void> Call::reply_withheld_for_ledger() {
  const Error withheld = withheld_for_ledger();
  co_await reply_error(withheld);
  outcome = "ledger_unavailable";  // reply_error names the error's code; this says why
}

void Call::finish_log() {
  App& app = worker.app();
  const std::string_view provider = attempt ? std::string_view(attempt->deployment->provider) : std::string_view();
  const double latency_s = static_cast<double>(elapsed_us()) / 1e6;
  const double ttft_s = ttft_us >= 0 && attempt ? static_cast<double>(ttft_us) / 1e6 : -1;
  // Only configured model names become label values: a client's unknown names (404s) would
  // otherwise add series to /metrics without bound. The access log below keeps the name asked for.
  const std::string_view model_label = model != nullptr ? std::string_view(chat.model) : std::string_view();
  app.metrics.request_done(route, model_label, provider, status, latency_s, ttft_s);
  AccessLogEntry e;
  e.request_id = request_id;
  e.method = http.method_string();
  e.path = http.target();
  e.status = status;
  e.model = chat.model;
  if (attempt) {
    e.provider = provider;
    e.deployment = attempt->deployment->model;
  }
  e.key_name = who.key_name;
  e.attempts = attempts;
  e.stream = chat.stream;
  e.latency_ms = elapsed_ms();
  e.ttft_ms = ttft_ms();
  const Usage u = usage.usage();
  if (reached_upstream) {
    e.input_tokens = u.input;  // the ledger's figures, so that a log line and its record agree
    e.cache_read_tokens = u.cache_read;
    e.cache_write_tokens = u.cache_write;
    e.output_tokens = u.output;
  }
  e.outcome = outcome;
  e.error = error_message;
  write_access_log(e);
}

}  // namespace gw
