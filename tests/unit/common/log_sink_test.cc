#include "gw/common/log_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gw {
namespace {

// Points fd 2 at a temporary file for the test's lifetime.
class StderrToFile {
 public:
  StderrToFile() {
    char tmpl[] = "/tmp/log_sink_test.XXXXXX";
    fd_ = ::mkstemp(tmpl);
    path_ = tmpl;
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fd_, STDERR_FILENO);
  }
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::close(fd_);
    std::remove(path_.c_str());
  }
  std::string text() const {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  int fd_ = -1;
  int saved_ = -1;
  std::string path_;
};

TEST(LogSink, LinesFromManyThreadsArriveWholeAndOnceEach) {
  StderrToFile err;
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) {
        // Long enough that batches pass the size threshold, too.
        log_sink::append("{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + ",\"pad\":\"" +
                         std::string(100, 'x') + "\"}\n");
      }
    });
  }
  for (auto& th : ts) {
    th.join();
  }
  log_sink::flush();
  std::istringstream lines(err.text());
  std::set<std::string> seen;
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    ASSERT_EQ(line.front(), '{') << line;
    ASSERT_EQ(line.back(), '}') << line;
    seen.insert(line);
  }
  EXPECT_EQ(count, size_t{kThreads * kLines});
  EXPECT_EQ(seen.size(), size_t{kThreads * kLines});
}

TEST(LogSink, ALineIsWrittenWithoutAFlushSoonAfter) {
  StderrToFile err;
  log_sink::append("{\"msg\":\"later\"}\n");
  // The writer sends a batch about 20 ms after its first line; allow a loaded machine 5 s.
  for (int i = 0; i < 500 && err.text().find("later") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(err.text(), "{\"msg\":\"later\"}\n");
}

}  // namespace
}  // namespace gw
