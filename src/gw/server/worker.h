#pragma once
// One worker = one thread running its own io_context, with its own acceptor (SO_REUSEPORT lets
// the kernel spread connections), its own upstream connection pool and its own provider runtimes,
// so the hot path takes no locks except in the shared App services.
#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "gw/common/asio.h"
#include "gw/common/deadline_sweep.h"
#include "gw/providers/codec.h"
#include "gw/providers/signer.h"
#include "gw/server/app.h"
#include "gw/upstream/http_client.h"

namespace gw {

struct ProviderRuntime {
  const config::Provider* cfg = nullptr;
  std::unique_ptr<ProviderCodec> codec;
  std::unique_ptr<RequestSigner> signer;  // null for static-key providers
  std::string credential_failure_logged;  // the signer's last failure in the log (send_upstream)
};

class Session;

class Worker {
 public:
  Worker(App& app, int index);
  ~Worker();

  // Binds the listening socket (SO_REUSEPORT) and starts accepting; throws on bind failure.
  void listen(const tcp::endpoint& ep);
  void run();   // blocks: the thread body
  void begin_drain();  // posted: stop accepting, close idle connections
  // Posted after the drain: closes every remaining connection and ends every upstream wait, so
  // that every session coroutine ends (its call metered) while the worker's members still exist;
  // then waits (bounded) for them to end.
  void close_all_and_wait(std::chrono::milliseconds limit);
  void stop();

  App& app() { return app_; }
  net::io_context& io() { return io_; }
  HttpClient& http() { return *http_; }
  DeadlineSweep& sweep() { return sweep_; }
  ProviderRuntime* provider(const std::string& name);
  tcp::endpoint local_endpoint() const;

  // Session bookkeeping for draining (worker thread only).
  std::list<Session*>::iterator add_session(Session* s);
  void remove_session(std::list<Session*>::iterator it);

 private:
  net::awaitable<void> accept_loop();

  App& app_;
  int index_;
  net::io_context io_{1};
  std::unique_ptr<tcp::acceptor> acceptor_;
  bool out_of_descriptors_ = false;  // accepting fails for want of descriptors (logged once)
  std::unique_ptr<HttpClient> http_;
  std::map<std::string, ProviderRuntime> providers_;
  DeadlineSweep sweep_{io_.get_executor()};  // client read/write deadlines
  std::list<Session*> sessions_;
  std::atomic<size_t> session_count_{0};
};

}  // namespace gw
