#pragma once
// Injected time (design.md): nothing outside clock.cc reads the system clock directly, so limiter,
// budget and ledger arithmetic is tested deterministically with a ManualClock.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace gw {

using SystemTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;          // wall time, for records and budget periods
  virtual SteadyTime steady_now() const = 0;   // monotonic, for latencies and windows
};

// The process-wide real clock.
const Clock& real_clock();

// A clock tests move by hand.
class ManualClock : public Clock {
 public:
  explicit ManualClock(SystemTime start = SystemTime{} + std::chrono::hours(24 * 365 * 55))
      : wall_(start.time_since_epoch().count()) {}
  SystemTime now() const override { return SystemTime{SystemTime::duration{wall_.load()}}; }
  SteadyTime steady_now() const override {
    return SteadyTime{std::chrono::duration_cast<SteadyTime::duration>(SystemTime::duration{wall_.load()})};
  }
  void advance(std::chrono::nanoseconds d) {
    wall_ += std::chrono::duration_cast<SystemTime::duration>(d).count();
  }

 private:
  std::atomic<SystemTime::rep> wall_;
};

int64_t unix_ms(SystemTime t);

}  // namespace gw
