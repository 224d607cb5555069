#include "gw/common/deadline_sweep.h"

#include <gtest/gtest.h>

#include <memory>

namespace gw {
namespace {

using namespace std::chrono_literals;

struct Counting final : Expirable {
  int calls = 0;  // expire() calls
  void expire() override { ++calls; }
};

TEST(DeadlineSweep, ExpiresOnceAfterTheDeadlineAndStopsTickingWhenNothingIsArmed) {
  net::io_context io;
  DeadlineSweep sweep(io.get_executor(), 10ms);
  Counting a;
  const auto t0 = std::chrono::steady_clock::now();
  sweep.arm_after(a, 25ms);
  io.run();  // returns: once `a` expired nothing is armed, so the tick is not re-armed
  EXPECT_EQ(a.calls, 1);
  EXPECT_TRUE(a.expired());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  EXPECT_EQ(a.deadline(), Expirable::Clock::time_point::max());
  sweep.arm_after(a, 1h);  // arming again clears it
  EXPECT_FALSE(a.expired());
  sweep.disarm(a);
}

TEST(DeadlineSweep, DisarmedNeverExpiresAndRearmingMovesTheDeadline) {
  net::io_context io;
  DeadlineSweep sweep(io.get_executor(), 5ms);
  Counting off;
  Counting later;
  Counting soon;
  sweep.arm_after(off, 10ms);
  sweep.disarm(off);
  sweep.arm_after(later, 1ms);
  sweep.arm_after(later, 60ms);  // re-armed before the first tick: the later time holds
  sweep.arm_after(soon, 1ms);
  io.run_for(30ms);
  EXPECT_EQ(off.calls, 0);
  EXPECT_FALSE(off.expired());
  EXPECT_EQ(later.calls, 0);
  EXPECT_EQ(soon.calls, 1);
  io.restart();
  io.run();
  EXPECT_EQ(later.calls, 1);
  EXPECT_EQ(off.calls, 0);
}

TEST(DeadlineSweep, AnOwnerDestroyedWhileArmedLeavesTheSweep) {
  net::io_context io;
  DeadlineSweep sweep(io.get_executor(), 5ms);
  auto gone = std::make_unique<Counting>();
  Counting kept;
  sweep.arm_after(*gone, 1ms);
  sweep.arm_after(kept, 1ms);
  gone.reset();  // unlinks itself; the sweep must not call it
  io.run();
  EXPECT_EQ(kept.calls, 1);
}

}  // namespace
}  // namespace gw
