#pragma once
// A TCP forwarder between the code under test and a real server that can freeze as a network
// partition (a blackholed host) does: nothing is refused or reset, bytes simply stop arriving,
// and a new connection completes its handshake (the kernel's backlog) but is never answered.
// thaw() lets everything continue where it stopped. Small volumes only: it writes with blocking
// calls on its one thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gw::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::pipe(wake_) != 0) {
      throw std::runtime_error("tcp proxy: cannot listen");
    }
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpProxy() {
    stop_ = true;
    wake();
    thread_.join();
    for (const auto& [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void freeze() {
    frozen_ = true;
    wake();
  }
  void thaw() {
    frozen_ = false;
    wake();
  }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  void wake() { (void)!::write(wake_[1], "x", 1); }

  static bool write_all(int fd, const char* p, ssize_t n) {
    while (n > 0) {
      const ssize_t w = ::send(fd, p, static_cast<size_t>(n), MSG_NOSIGNAL);
      if (w <= 0) {
        return false;
      }
      p += w;
      n -= w;
    }
    return true;
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}};
      const bool frozen = frozen_;
      if (!frozen) {  // frozen: neither accept nor forward, as if the host had vanished
        fds.push_back({listen_fd_, POLLIN, 0});
        for (const auto& [a, b] : pairs_) {
          fds.push_back({a, POLLIN, 0});
          fds.push_back({b, POLLIN, 0});
        }
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        continue;
      }
      if (fds[0].revents != 0) {
        char buf[64];
        (void)!::read(wake_[0], buf, sizeof buf);
        continue;  // the state changed: poll again with the new set
      }
      if (frozen) {
        continue;
      }
      std::vector<size_t> closed;
      for (size_t i = 0; 2 + 2 * i < fds.size(); ++i) {
        const auto& [a, b] = pairs_[i];
        const bool ok = (fds[2 + 2 * i].revents == 0 || forward(a, b)) &&
                        (fds[3 + 2 * i].revents == 0 || forward(b, a));
        if (!ok) {
          closed.push_back(i);
        }
      }
      for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
        ::close(pairs_[*it].first);
        ::close(pairs_[*it].second);
        pairs_.erase(pairs_.begin() + static_cast<long>(*it));
      }
      if (fds[1].revents != 0) {
        accept_one();
      }
    }
  }

  void accept_one() {
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(upstream_port_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(client);
      if (server >= 0) {
        ::close(server);
      }
      return;
    }
    pairs_.emplace_back(client, server);
  }

  // false once either side is done.
  static bool forward(int from, int to) {
    char buf[16384];
    const ssize_t n = ::recv(from, buf, sizeof buf, 0);
    return n > 0 && write_all(to, buf, n);
  }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> frozen_{false};
  std::vector<std::pair<int, int>> pairs_;  // (client, server), only on the proxy's thread
  std::thread thread_;
};

}  // namespace gw::testing
