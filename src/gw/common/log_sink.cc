#include "gw/common/log_sink.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "gw/common/thread_name.h"

namespace gw::log_sink {

namespace {

constexpr auto kFlushDelay = std::chrono::milliseconds(20);
constexpr size_t kFlushBytes = 64 * 1024;

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // nowhere to report a failing stderr
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

class Sink {
 public:
  ~Sink() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (writer_.joinable()) {
      writer_.join();  // its last round writes what is left
    }
  }

  void append(std::string_view lines) {
    bool wake = false;
    {
      std::lock_guard lk(mu_);
      if (!writer_.joinable() && !stop_) {
        writer_ = std::thread([this] {
          name_this_thread("sy-log");
          run();
        });
      }
      wake = pending_.empty() || pending_.size() + lines.size() >= kFlushBytes;
      pending_.append(lines);
    }
    if (wake) {
      cv_.notify_one();
    }
  }

  void flush() {
    std::lock_guard out(write_mu_);
    std::string batch;
    {
      std::lock_guard lk(mu_);
      batch.swap(pending_);
    }
    write_all(STDERR_FILENO, batch);
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return stop_ || !pending_.empty(); });
      // Gather for a moment: one write for every line of the next kFlushDelay.
      cv_.wait_for(lk, kFlushDelay, [&] { return stop_ || pending_.size() >= kFlushBytes; });
      const bool stopping = stop_;
      lk.unlock();
      flush();
      lk.lock();
      if (stopping && pending_.empty()) {
        return;
      }
    }
  }

  std::mutex mu_;        // pending_, stop_, writer_
  std::mutex write_mu_;  // one batch at a time reaches stderr, in order
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread writer_;
};

Sink& sink() {
  static Sink s;  // destroyed at exit: flushes and joins the writer
  return s;
}

}  // namespace

void append(std::string_view lines) { sink().append(lines); }

void flush() { sink().flush(); }

}  // namespace gw::log_sink
