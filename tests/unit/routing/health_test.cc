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
  health.on_failure(kDep, throttled());
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
    health.on_failure(kDep, throttled());
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
  health.on_failure(kDep, failure());
  health.on_failure(kDep, failure());
  for (int i = 0; i < 5; ++i) {
    health.on_failure(kDep, throttled(1));
    clock.advance(seconds(1));
  }
  EXPECT_EQ(health.cooling(kDep), std::nullopt);  // two failures in a row, not seven
  health.on_failure(kDep, failure());
  EXPECT_EQ(health.cooling(kDep), milliseconds(5000));  // the third one ejects
  EXPECT_FALSE(health.throttled(kDep));
}

TEST(Health, ASuccessResetsTheThrottleBackOff) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, throttled());
  clock.advance(seconds(1));
  health.on_failure(kDep, throttled());
  EXPECT_EQ(health.cooling(kDep), milliseconds(2000));
  clock.advance(seconds(2));
  health.on_success(kDep, milliseconds(100));
  health.on_failure(kDep, throttled());
  EXPECT_EQ(health.cooling(kDep), milliseconds(1000));
}

TEST(Health, AnUpstreamRetryAfterIsHonouredAsGiven) {
  ManualClock clock;
  DeploymentHealth health(clock);
  health.on_failure(kDep, throttled());
  clock.advance(seconds(1));
  health.on_failure(kDep, throttled(7));  // not the back-off's 2 s
  EXPECT_EQ(health.cooling(kDep), milliseconds(7000));
  clock.advance(seconds(7));
  health.on_failure(kDep, throttled(0));  // 0 names no wait: the back-off's
  EXPECT_EQ(health.cooling(kDep), milliseconds(4000));
}

}  // namespace
}  // namespace gw
