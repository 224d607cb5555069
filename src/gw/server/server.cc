#include "gw/server/server.h"

#include <csignal>
#include <iostream>
#include <thread>

#include "gw/auth/key_store_factory.h"
#include "gw/common/asio.h"
#include "gw/common/thread_name.h"
#include "gw/config/load.h"
#include "gw/config/warnings.h"
#include "gw/ledger/make_ledger.h"
#include "gw/limits/memory_limiter.h"
#include "gw/limits/redis_limiter.h"
#include "gw/providers/signer.h"
#include "gw/redis/redis_url.h"
#include "gw/server/app.h"
#include "gw/server/worker.h"
#include "gw/storage/db_log.h"
#include "gw/telemetry/access_log.h"

namespace gw {

namespace {

tcp::endpoint parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("listen must be HOST:PORT, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));  // valid_listen checked it
  net::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host.empty() ? "0.0.0.0" : host, std::to_string(port));
  return results.begin()->endpoint();
}

// The workers bind with SO_REUSEPORT, which would let a second gateway started on the same port by
// mistake (same user) bind too and silently take part of the traffic, perhaps with an old config.
// A plain bind first fails on any port already listened on, reuse-port or not; TIME_WAIT
// leftovers of a previous run do not count (SO_REUSEADDR), so a restart is not refused.
void refuse_a_port_in_use(const tcp::endpoint& ep) {
  if (ep.port() == 0) {
    return;  // any free port
  }
  net::io_context io;
  tcp::acceptor probe(io);
  probe.open(ep.protocol());
  probe.set_option(net::socket_base::reuse_address(true));
  boost::system::error_code ec;
  probe.bind(ep, ec);
  if (ec == net::error::address_in_use) {
    throw std::runtime_error("cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
                             ": the address is already in use (another switchyard or another server)");
  }
}

// Waits until every in-flight request finished or the drain timeout passed.
void wait_for_drain(App& app) {
  const auto deadline = std::chrono::steady_clock::now() + app.cfg.drain_timeout;
  while (app.inflight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// `limits: memory` (one process) or `limits: redis://...` (shared by every replica). An unreachable
// Redis stops the start-up here, with a message that names the URL without its password.
std::unique_ptr<Limiter> make_limiter(App& app) {
  if (app.cfg.limits == "memory") {
    return make_memory_limiter(app.clock, app.ledger.get());
  }
  auto url = redis::parse_redis_url(app.cfg.limits);
  if (!url) {
    throw std::runtime_error("limits: " + url.error().message);
  }
  RedisLimiterOptions opts;
  opts.url = std::move(*url);
  opts.metrics = &app.metrics;
  const std::string where = opts.url.redacted();
  auto limiter = make_redis_limiter(app.ledger.get(), std::move(opts));
  if (!limiter) {
    throw std::runtime_error("limits: " + limiter.error().message);
  }
  log_event("limits", "shared through Redis at " + where);
  return std::move(*limiter);
}

}  // namespace

int run_server(const config::Config& cfg) {
  std::signal(SIGPIPE, SIG_IGN);
  for (const auto& w : config::config_warnings(cfg)) {
    log_event("config_warning", w.to_string());
  }
  for (const auto& w : credential_warnings(cfg)) {
    log_event("provider_credentials_unusable", w.key + ": " + w.what);
  }
  App app(cfg, real_clock());
  // First, so that a Bedrock provider without any AWS credentials stops the start at once.
  app.aws_credentials =
      bedrock::CredentialSet::start(cfg, config::process_env(), app.clock, log_event);
  app.gcp_credentials = vertex::DefaultCredentials::find(cfg, config::process_env(), log_event);
  // Likewise an Azure OpenAI provider with neither api_key nor any Entra ID source.
  app.azure_credentials =
      azure::EntraCredentials::start(cfg, config::process_env(), app.clock, log_event);
  app.ledger = make_ledger(cfg, app.clock);
  app.commitments.start([ledger = app.ledger.get()](const std::vector<std::string>& providers, int64_t since_ms,
                                                    int64_t until_ms) {
    return ledger->provider_spend(providers, since_ms, until_ms);
  });
  app.keys = make_key_store(cfg);
  app.limiter = make_limiter(app);

  const tcp::endpoint ep = parse_listen(cfg.listen);
  refuse_a_port_in_use(ep);
  const int n = cfg.workers > 0 ? cfg.workers : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < n; ++i) {
    workers.push_back(std::make_unique<Worker>(app, i));
    workers.back()->listen(i == 0 ? ep : tcp::endpoint(ep.address(), workers.front()->local_endpoint().port()));
  }
  const auto bound = workers.front()->local_endpoint();

  // Signals are waited for on their own io_context so that workers never handle them.
  net::io_context signals_io;
  net::signal_set signals(signals_io, SIGINT, SIGTERM);
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&w, i = threads.size()] {
      name_this_thread("sy-worker-" + std::to_string(i));
      w->run();
    });
  }
  log_event("listening", bound.address().to_string() + ":" + std::to_string(bound.port()) + " workers=" +
                             std::to_string(n));

  int signal_number = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      signal_number = sig;
    }
  });
  signals_io.run();

  log_event("draining", "signal " + std::to_string(signal_number));
  app.draining = true;
  for (auto& w : workers) {
    w->begin_drain();
  }
  wait_for_drain(app);
  if (app.inflight.load() > 0) {
    log_event("drain_timeout", std::to_string(app.inflight.load()) + " requests still in flight");
  }
  // Flush while the workers still run: a strict record() completes by posting to its worker.
  app.ledger->flush_blocking();
  for (auto& w : workers) {
    w->close_all_and_wait(std::chrono::seconds(2));
  }
  // Before the workers stop: a check still waiting on Redis resumes on its worker's io_context,
  // which must still exist when the limiter answers it.
  app.limiter->stop();
  for (auto& w : workers) {
    w->stop();
  }
  for (auto& t : threads) {
    t.join();
  }
  // Requests cut short by close_all_and_wait still record their usage (contract: a client that
  // disconnects is still metered), after the flush above. A strict record's completion is posted
  // to its worker's io_context, so every record must be written before the io_contexts go: with a
  // slow database the writer could otherwise post into a destroyed one. The workers are stopped,
  // so those completions are only queued and destroyed with their io_context.
  app.ledger->flush_blocking();
  workers.clear();
  if (const uint64_t lost = app.ledger->counters().lost; lost > 0) {
    // The contract's graceful stop keeps every record; with the database failing to the end it
    // could not. Each lost record is in the log in full (ledger_record_lost); a supervisor must
    // see that this stop was not clean.
    storage::db_log(app.clock, "error", "stopped_with_records_lost",
                    std::to_string(lost) + " usage records are only in this log (ledger_record_lost)");
    return 1;
  }
  log_event("stopped", "");
  return 0;
}

}  // namespace gw
