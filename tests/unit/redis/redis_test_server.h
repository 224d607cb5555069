#pragma once
// Real redis-servers for the tests (tests/servers/redis.sh): the one the ctest fixture started for
// the whole run, and private ones for tests that stop and restart theirs.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gw/redis/client.h"

namespace gw::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

inline std::string redis_script() { return std::string(GW_SOURCE_DIR) + "/tests/servers/redis.sh"; }

// The fixture's server. Without it the test fails (an exception fails a GoogleTest test): these
// tests are never skipped.
inline std::string fixture_redis_url() {
  const char* dir = std::getenv("SWITCHYARD_TEST_REDIS_DIR");
  if (dir == nullptr) {
    throw std::runtime_error("SWITCHYARD_TEST_REDIS_DIR is not set: run through ctest, whose fixture starts Redis");
  }
  const std::string port = read_file(std::string(dir) + "/port");
  if (port.empty()) {
    throw std::runtime_error(std::string("no Redis running in ") + dir + " (the redis_server_start fixture failed?)");
  }
  return "redis://127.0.0.1:" + port;
}

// Keys of one test never meet another's on the shared server.
inline std::string unique_prefix() {
  std::random_device rd;
  return "test" + std::to_string(rd()) + std::to_string(rd());
}

// Runs one script (or, with script == nullptr, one command: `keys` are its words) on the server at
// `url`, through a client of its own.
inline Result<redis::Reply> redis_ask(const std::string& url, const redis::Script* script,
                                      std::vector<std::string> keys, std::vector<std::string> args = {}) {
  using namespace std::chrono_literals;
  net::io_context io;
  redis::ClientOptions o;
  o.url = *redis::parse_redis_url(url);
  auto c = redis::Client::start(io.get_executor(), o);
  std::optional<Result<redis::Reply>> out;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        if (script != nullptr) {
          auto asking = c->eval(*script, std::move(keys), std::move(args));
          out.emplace(co_await std::move(asking));
        } else {
          auto asking = c->command(std::move(keys));
          out.emplace(co_await std::move(asking));
        }
        auto closing = c->shutdown(0ms);
        co_await std::move(closing);
      },
      [&](std::exception_ptr) { io.stop(); });
  io.run();
  if (!out) {
    return make_error(Code::Internal, "the Redis client stopped before answering");
  }
  return std::move(*out);
}

// A redis-server of this test's own, in a temp dir.
class PrivateRedis {
 public:
  explicit PrivateRedis(std::string password = "") : password_(std::move(password)) {
    char tmpl[] = "/tmp/switchyard-redis-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = std::string(tmpl) + "/server";
    run("start " + dir_);
    port_ = std::stoi(read_file(dir_ + "/port"));
    root_ = tmpl;
  }
  ~PrivateRedis() {
    resume();
    stop();
    ::rmdir(root_.c_str());
  }
  void stop() { std::system(("bash " + redis_script() + " stop " + dir_ + " >/dev/null").c_str()); }
  // Freezes the server (SIGSTOP), as a long DEBUG SLEEP or a stalled host would: the kernel still
  // accepts connections and buffers what is written, and the server runs it all once resumed.
  void pause() { signal("STOP"); }
  void resume() { signal("CONT"); }
  // On the same port, empty (no persistence): as after a crash or a restart.
  void start_again() { run("start " + dir_ + " " + std::to_string(port_)); }
  int port() const { return port_; }
  std::string url() const {
    return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") + "127.0.0.1:" + std::to_string(port_);
  }

 private:
  void signal(const char* sig) {
    const std::string pid = read_file(dir_ + "/redis.pid");
    if (!pid.empty()) {
      std::system(("kill -" + std::string(sig) + " " + pid + " 2>/dev/null").c_str());
    }
  }
  void run(const std::string& args) {
    const std::string env = password_.empty() ? "" : "REDIS_PASSWORD='" + password_ + "' ";
    if (std::system((env + "bash " + redis_script() + " " + args + " >/dev/null").c_str()) != 0) {
      throw std::runtime_error("tests/servers/redis.sh " + args + " failed");
    }
  }
  std::string password_;
  std::string dir_, root_;
  int port_ = 0;
};

}  // namespace gw::test
