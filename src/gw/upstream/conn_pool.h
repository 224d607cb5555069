#pragma once
// Idle keep-alive connections per (scheme, host, port), for one worker's io_context: no locks.
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gw/common/asio.h"
#include "gw/upstream/connection.h"

namespace gw::upstream {

class ConnPool : public std::enable_shared_from_this<ConnPool> {
 public:
  ConnPool(net::any_io_executor ex, size_t max_idle_per_host, std::chrono::seconds keepalive);

  // The most recently parked live connection for `key`, or null. Expired and dead ones found on
  // the way are closed.
  std::unique_ptr<Connection> acquire(const std::string& key);
  // Parks a connection whose last response was read to its end and allowed keep-alive.
  void release(std::unique_ptr<Connection> conn);
  size_t idle_count(const std::string& key) const;

 private:
  void arm_sweep();
  void sweep();

  size_t max_idle_per_host_;
  std::chrono::seconds keepalive_;
  // Per key, oldest first: acquire takes from the back (LIFO keeps the warmest connections busy and
  // lets the cold ones age out), overflow drops from the front.
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  net::steady_timer sweep_timer_;
  bool sweep_armed_ = false;
};

}  // namespace gw::upstream
