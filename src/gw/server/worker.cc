#include "gw/server/worker.h"

#include <thread>

#include "gw/server/session.h"
#include "gw/telemetry/access_log.h"

namespace gw {

Worker::Worker(App& app, int index) : app_(app), index_(index) {
  http_ = make_http_client(io_.get_executor());
  for (const auto& [name, p] : app_.cfg.providers) {
    ProviderRuntime rt;
    rt.cfg = &p;
    rt.codec = make_codec(p);
    rt.signer = make_signer(p, *http_, app_.aws_credentials.get(), app_.gcp_credentials.get(),
                            app_.azure_credentials.get());
    providers_.emplace(name, std::move(rt));
  }
}

Worker::~Worker() = default;

ProviderRuntime* Worker::provider(const std::string& name) {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : &it->second;
}

void Worker::listen(const tcp::endpoint& ep) {
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  acceptor_->open(ep.protocol());
  acceptor_->set_option(net::socket_base::reuse_address(true));
  // Every worker binds the same port; the kernel spreads new connections across them.
  int one = 1;
  ::setsockopt(acceptor_->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  acceptor_->bind(ep);
  acceptor_->listen(net::socket_base::max_listen_connections);
}

tcp::endpoint Worker::local_endpoint() const { return acceptor_->local_endpoint(); }

net::awaitable<void> Worker::accept_loop() {
  while (acceptor_ && acceptor_->is_open()) {
    auto [ec, socket] = co_await acceptor_->async_accept(use_nothrow);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_->is_open()) {
        break;
      }
      if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
          ec.value() == ENFILE || ec == net::error::no_memory) {
        // Out of file descriptors (or memory): the pending connection stays in the backlog, so
        // accepting again at once fails again at once, a busy loop on a full core. Keep serving
        // the connections we have and try again shortly; say so once per spell.
        if (!out_of_descriptors_) {
          out_of_descriptors_ = true;
          log_event("accept_failing", ec.message() + " (raise the open-files limit, ulimit -n); retrying every 100 ms");
        }
        net::steady_timer pause(io_, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
        continue;
      }
      continue;
    }
    if (out_of_descriptors_) {
      out_of_descriptors_ = false;
      log_event("accept_recovered", "accepting connections again");
    }
    socket.set_option(tcp::no_delay(true));
    net::co_spawn(
        io_,
        [this, s = std::move(socket)]() mutable -> net::awaitable<void> {
          Session session(*this, std::move(s));
          co_await session.run();
        },
        [](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              log_event("session_exception", ex.what());
            }
          }
        });
  }
}

void Worker::run() {
  net::co_spawn(io_, accept_loop(), net::detached);
  io_.run();
}

void Worker::begin_drain() {
  net::post(io_, [this] {
    if (acceptor_) {
      beast::error_code ec;
      acceptor_->close(ec);
    }
    // Copy: closing may end sessions, which unregister themselves.
    std::vector<Session*> open(sessions_.begin(), sessions_.end());
    for (Session* s : open) {
      s->close_if_idle();
    }
  });
}

void Worker::close_all_and_wait(std::chrono::milliseconds limit) {
  net::post(io_, [this] {
    std::vector<Session*> open(sessions_.begin(), sessions_.end());
    for (Session* s : open) {
      s->close_now();
    }
    // Sessions waiting on an upstream would not see their client go: end those waits, so each
    // call records its usage and its session ends.
    http_->shut_down();
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (session_count_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Worker::stop() { io_.stop(); }

std::list<Session*>::iterator Worker::add_session(Session* s) {
  ++session_count_;
  return sessions_.insert(sessions_.end(), s);
}

void Worker::remove_session(std::list<Session*>::iterator it) {
  sessions_.erase(it);
  --session_count_;
}

}  // namespace gw
