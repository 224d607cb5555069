#include "gw/ledger/pricing.h"

#include <gtest/gtest.h>

#include <limits>

namespace gw {
namespace {

config::Price usd_per_million(int64_t in_micro, int64_t out_micro, int64_t cr_micro = 0, int64_t cw_micro = 0) {
  return config::Price{in_micro, out_micro, cr_micro, cw_micro};
}

TEST(Pricing, ExactCostOfInputAndOutput) {
  // 1,234,567 input at $3/M = 3.703701 USD; 89 output at $15/M = 0.001335 USD.
  Usage u{.input = 1'234'567, .output = 89};
  EXPECT_EQ(cost_nano_usd(u, usd_per_million(3'000'000, 15'000'000)), 3'705'036'000);
}

TEST(Pricing, CachePricesAreAddedAndRoundedOnce) {
  // $0.30/M cache read, $3.75/M cache write, $0.000001/M input (1 pico-USD per token).
  Usage u{.input = 499, .output = 0, .cache_read = 1, .cache_write = 1};
  // pico: 499*1 + 1*300000 + 1*3750000 = 4050499 -> 4050.499 nano -> 4050 (one rounding).
  EXPECT_EQ(cost_nano_usd(u, usd_per_million(1, 0, 300'000, 3'750'000)), 4050);
  // Rounding each part separately would give 0 + 300 + 3750 = 4050 here too; this one differs:
  // 3 parts of 0.6 nano each sum to 1.8 -> 2 nano; rounded separately they would give 3.
  Usage v{.input = 600, .output = 600, .cache_read = 600};
  EXPECT_EQ(cost_nano_usd(v, usd_per_million(1, 1, 1)), 2);
  // Half a nano rounds up.
  EXPECT_EQ(cost_nano_usd(Usage{.input = 500}, usd_per_million(1, 0)), 1);
  EXPECT_EQ(cost_nano_usd(Usage{.input = 499}, usd_per_million(1, 0)), 0);
}

// Anthropic's one-hour cache writes cost twice the input price, five-minute ones 1.25 times it
// (the deployment's cache_write); billing every write at the five-minute price undercharged.
TEST(Pricing, OneHourCacheWritesHaveTheirOwnPrice) {
  // $3/M input, $3.75/M five-minute writes: 1,000 writes of which 400 to the one-hour cache.
  const Usage u{.input = 0, .output = 0, .cache_read = 0, .cache_write = 1000, .reasoning = 0, .cache_write_1h = 400};
  config::Price p = usd_per_million(3'000'000, 15'000'000, 300'000, 3'750'000);
  // Unset: 2 x input = $6/M, i.e. 6,000 nano-USD a token; 3.75/M is 3,750 nano-USD a token.
  EXPECT_EQ(cost_nano_usd(u, p), 600 * 3'750 + 400 * 6'000);
  p.cache_write_1h = 7'000'000;  // configured
  EXPECT_EQ(cost_nano_usd(u, p), 600 * 3'750 + 400 * 7'000);
  // Without a one-hour share, nothing changes.
  EXPECT_EQ(cost_nano_usd(Usage{.cache_write = 1000}, p), 1000 * 3'750);
  // A split larger than the total (a malformed upstream) never bills more writes than there were.
  const Usage odd{.cache_write = 10, .cache_write_1h = 50};
  EXPECT_EQ(cost_nano_usd(odd, p), 10 * 7'000);
}

TEST(Pricing, NoFloatDriftOverManyRequests) {
  // 0.1 USD per million tokens, one token at a time, a million times: exactly 0.1 USD.
  int64_t total = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    total += cost_nano_usd(Usage{.output = 1000}, usd_per_million(0, 100'000));
  }
  EXPECT_EQ(total, 100'000'000'000 / 1000 * 1000);  // 1e9 tokens * 1e-7 USD = 100 USD
  EXPECT_EQ(total, 100'000'000'000);
}

TEST(Pricing, HugeValuesSaturateInsteadOfOverflowing) {
  Usage u{.input = std::numeric_limits<uint64_t>::max(), .output = std::numeric_limits<uint64_t>::max()};
  EXPECT_EQ(cost_nano_usd(u, usd_per_million(std::numeric_limits<int64_t>::max(), 1)),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(cost_nano_usd(Usage{}, usd_per_million(3'000'000, 15'000'000)), 0);
}

TEST(Pricing, FormatsExactDecimalUsd) {
  EXPECT_EQ(format_usd(0), "0");
  EXPECT_EQ(format_usd(3'705'036'000), "3.705036");
  EXPECT_EQ(format_usd(50'000'000), "0.05");
  EXPECT_EQ(format_usd(1), "0.000000001");
  EXPECT_EQ(format_usd(12'000'000'000), "12");
  EXPECT_EQ(format_usd(-1'500'000'000), "-1.5");
  EXPECT_EQ(format_usd(std::numeric_limits<int64_t>::min()), "-9223372036.854775808");
}

}  // namespace
}  // namespace gw
