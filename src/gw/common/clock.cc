#include "gw/common/clock.h"

namespace gw {

namespace {
class RealClock : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
  SteadyTime steady_now() const override { return std::chrono::steady_clock::now(); }
};
}  // namespace

const Clock& real_clock() {
  static const RealClock clock;
  return clock;
}

int64_t unix_ms(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace gw
