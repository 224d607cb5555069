#include "gw/upstream/conn_pool.h"

#include <algorithm>

namespace gw::upstream {

namespace {
constexpr std::chrono::milliseconds kPeekAfter{1000};
}  // namespace

ConnPool::ConnPool(net::any_io_executor ex, size_t max_idle_per_host, std::chrono::seconds keepalive)
    : max_idle_per_host_(max_idle_per_host), keepalive_(keepalive), sweep_timer_(std::move(ex)) {}

std::unique_ptr<Connection> ConnPool::acquire(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) {
    return nullptr;
  }
  auto& conns = it->second;
  const auto now = SteadyClock::now();
  const auto cutoff = now - keepalive_;
  while (!conns.empty()) {
    std::unique_ptr<Connection> c = std::move(conns.back());
    conns.pop_back();
    // The peek costs a syscall. A connection parked a moment ago is almost never closed yet, and
    // if it was, the client's transparent retry of a stale reused connection covers it.
    const bool fresh = now - c->idle_since < kPeekAfter;
    if (c->idle_since > cutoff && (fresh || c->looks_alive())) {
      return c;
    }
    c->close();
  }
  idle_.erase(it);
  return nullptr;
}

void ConnPool::release(std::unique_ptr<Connection> conn) {
  if (max_idle_per_host_ == 0 || conn->has_buffered_bytes()) {
    conn->close();
    return;
  }
  conn->idle_since = SteadyClock::now();
  auto& conns = idle_[conn->pool_key()];
  if (conns.size() >= max_idle_per_host_) {
    conns.front()->close();
    conns.erase(conns.begin());
  }
  conns.push_back(std::move(conn));
  arm_sweep();
}

size_t ConnPool::idle_count(const std::string& key) const {
  auto it = idle_.find(key);
  return it == idle_.end() ? 0 : it->second.size();
}

// Without a sweep, connections to a host that is never called again would stay open forever.
// The timer runs only while something is parked, and holds the pool weakly: the pool may go first.
void ConnPool::arm_sweep() {
  if (sweep_armed_) {
    return;
  }
  SteadyClock::time_point oldest = SteadyClock::time_point::max();
  for (const auto& [key, conns] : idle_) {
    if (!conns.empty()) {
      oldest = std::min(oldest, conns.front()->idle_since);
    }
  }
  if (oldest == SteadyClock::time_point::max()) {
    return;
  }
  sweep_armed_ = true;
  sweep_timer_.expires_at(oldest + keepalive_ + std::chrono::milliseconds(10));
  sweep_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) {
      return;
    }
    self->sweep_armed_ = false;
    if (ec) {
      return;
    }
    self->sweep();
  });
}

void ConnPool::sweep() {
  const auto cutoff = SteadyClock::now() - keepalive_;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& conns = it->second;
    auto first_live = std::find_if(conns.begin(), conns.end(), [&](const auto& c) {
      return c->idle_since > cutoff;
    });
    for (auto c = conns.begin(); c != first_live; ++c) {
      (*c)->close();
    }
    conns.erase(conns.begin(), first_live);
    it = conns.empty() ? idle_.erase(it) : std::next(it);
  }
  arm_sweep();
}

}  // namespace gw::upstream
