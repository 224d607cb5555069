#include "gw/routing/health.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kDep = "p0/up-0";

Error failure() {
  Error e = make_error(Code::UpstreamError, "reset");
  e.retryable = true;
  return e;
}

// An upstream 429; Bedrock's ThrottlingException never names a wait, OpenAI's sometimes does not.
Error throttled(std::optional<int64_t> retry_after_s = std::nullopt) {
  Error e = make_error(Code::RateLimited, "slow down");
  e.retryable = true;
  e.retry_after_s = retry_after_s;
  return e;
}

TEST(Health, ThrottlingWithoutRetryAfterCoolsDownForASecond) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, throttled(), clock.steady_now());
  EXPECT_EQ(health.cooling(kDep), milliseconds(1000));
  EXPECT_TRUE(health.throttled(kDep));
  clock.advance(seconds(1));
  EXPECT_EQ(health.cooling(kDep), std::nullopt);
}

TEST(Health, ThrottleBackOffDoublesWhileTheUpstreamKeepsThrottlingUpToTheCap) {
  ManualClock clock;
  DeploymentHealth health(clock);
  std::vector<int64_t> waits;
  for (int i = 0; i < 12; ++i) {
    health.on_failure(kDep, throttled(), clock.steady_now());
    auto cool = health.cooling(kDep);
    ASSERT_TRUE(cool);
    EXPECT_TRUE(health.throttled(kDep)) << i;  // never turned into an ejection
    waits.push_back(cool->count() / 1000);
    clock.advance(*cool);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300}));
}

TEST(Health, ThrottlingNeverCountsTowardEjection) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, failure(), clock.steady_now());
  health.on_failure(kDep, failure(), clock.steady_now());
  for (int i = 0; i < 5; ++i) {
    health.on_failure(kDep, throttled(1), clock.steady_now());
    clock.advance(seconds(1));
  }
  EXPECT_EQ(health.cooling(kDep), std::nullopt);  // two failures in a row, not seven
  health.on_failure(kDep, failure(), clock.steady_now());
  EXPECT_EQ(health.cooling(kDep), milliseconds(5000));  // the third one ejects
  EXPECT_FALSE(health.throttled(kDep));
}

TEST(Health, ASuccessResetsTheThrottleBackOff) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, throttled(), clock.steady_now());
  clock.advance(seconds(1));
  health.on_failure(kDep, throttled(), clock.steady_now());
  EXPECT_EQ(health.cooling(kDep), milliseconds(2000));
  clock.advance(seconds(2));
  health.on_success(kDep, milliseconds(100), clock.steady_now());
  health.on_failure(kDep, throttled(), clock.steady_now());
  EXPECT_EQ(health.cooling(kDep), milliseconds(1000));
}

TEST(Health, AnUpstreamRetryAfterIsHonouredAsGiven) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, throttled(), clock.steady_now());
  clock.advance(seconds(1));
  health.on_failure(kDep, throttled(7), clock.steady_now());  // not the back-off's 2 s
  EXPECT_EQ(health.cooling(kDep), milliseconds(7000));
  clock.advance(seconds(7));
  health.on_failure(kDep, throttled(0), clock.steady_now());  // 0 names no wait: the back-off's
  EXPECT_EQ(health.cooling(kDep), milliseconds(4000));
}

// A deployment goes down while four requests are in flight to it: they fail together, one outage.
TEST(Health, FailuresOfAttemptsInFlightTogetherCountOnce) {
  ManualClock clock;
  DeploymentHealth health(clock);
  std::vector<SteadyTime> started;
  for (int i = 0; i < 4; ++i) {
    started.push_back(health.on_start(kDep));
    clock.advance(milliseconds(10));
  }
  clock.advance(seconds(1));
  for (SteadyTime t : started) {
    health.on_failure(kDep, failure(), t);
    health.on_end(kDep);
    clock.advance(milliseconds(1));
  }
  EXPECT_EQ(health.cooling(kDep), std::nullopt);
  // It is back: the next request succeeds, and the run starts over.
  SteadyTime next = health.on_start(kDep);
  health.on_success(kDep, milliseconds(100), next);
  health.on_end(kDep);
  EXPECT_EQ(health.cooling(kDep), std::nullopt);
}

TEST(Health, AHungUpstreamsTimeoutsCountApartThoughTheirAttemptsOverlapped) {
  ManualClock clock;
  DeploymentHealth health(clock);
  // Three requests 2 s apart, each waiting out a 60 s first-byte timeout: all were in flight when
  // the first timed out, but they fail 2 s apart, one by one, as their own timers end.
  std::vector<SteadyTime> started;
  for (int i = 0; i < 3; ++i) {
    started.push_back(health.on_start(kDep));
    clock.advance(seconds(2));
  }
  clock.advance(seconds(56));
  for (SteadyTime t : started) {
    health.on_failure(kDep, failure(), t);
    health.on_end(kDep);
    clock.advance(seconds(2));
  }
  EXPECT_NE(health.cooling(kDep), std::nullopt) << "three timeouts in a row eject it";
}

TEST(Health, ADeadDeploymentIsEjectedAfterThreeAttemptsInARowEvenUnderLoad) {
  ManualClock clock;
  DeploymentHealth health(clock);
  // Connect refused at once, to every new attempt; each round starts two attempts together.
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(health.cooling(kDep), std::nullopt) << round;
    SteadyTime a = health.on_start(kDep);
    SteadyTime b = health.on_start(kDep);
    clock.advance(milliseconds(1));
    health.on_failure(kDep, failure(), a);
    health.on_failure(kDep, failure(), b);
    health.on_end(kDep);
    health.on_end(kDep);
  }
  EXPECT_EQ(health.cooling(kDep), milliseconds(5000));
  EXPECT_FALSE(health.throttled(kDep));
}

TEST(Health, ASuccessOlderThanTheCountedFailuresResetsNothing) {
  ManualClock clock;
  DeploymentHealth health(clock);
  SteadyTime long_stream = health.on_start(kDep);  // began before the deployment broke
  for (int i = 0; i < 2; ++i) {
    clock.advance(milliseconds(100));
    health.on_failure(kDep, failure(), health.on_start(kDep));
    health.on_end(kDep);
  }
  clock.advance(seconds(30));
  health.on_success(kDep, milliseconds(200), long_stream);  // old news
  health.on_end(kDep);
  health.on_failure(kDep, failure(), health.on_start(kDep));
  health.on_end(kDep);
  EXPECT_EQ(health.cooling(kDep), milliseconds(5000));  // three new failures in a row
}

TEST(Health, ConcurrentThrottlesDoubleTheBackOffOnce) {
  ManualClock clock;
  DeploymentHealth health(clock);
  for (int round = 0; round < 3; ++round) {
    std::vector<SteadyTime> started;
    for (int i = 0; i < 5; ++i) {
      started.push_back(health.on_start(kDep));
    }
    clock.advance(milliseconds(50));
    for (SteadyTime t : started) {
      health.on_failure(kDep, throttled(), t);
      health.on_end(kDep);
    }
    EXPECT_EQ(health.cooling(kDep), milliseconds(1000 << round)) << round;  // 1 s, 2 s, 4 s
    clock.advance(*health.cooling(kDep));
  }
}

}  // namespace
}  // namespace gw
