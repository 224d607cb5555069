#include "gw/common/http_types.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(HttpTypes, HeaderIntTakesOnlyANonNegativeDecimal) {
  const Headers h{{"Retry-After", "30"}, {"a", "-1"}, {"b", "1.5"}, {"c", "Wed, 21 Oct 2026 07:28:00 GMT"},
                  {"d", ""}, {"e", "12x"}};
  EXPECT_EQ(header_int(h, "retry-after"), 30);  // names compare case-insensitively
  for (const char* bad : {"a", "b", "c", "d", "e", "missing"}) {
    EXPECT_EQ(header_int(h, bad), std::nullopt) << bad;
  }
}

TEST(HttpTypes, RetryAfterPrefersMillisecondsRoundedUp) {
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "1200"}, {"retry-after", "9"}}), 2);
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "1000"}}), 1);
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "soon"}, {"retry-after", "9"}}), 9);
  EXPECT_EQ(retry_after_seconds({}), std::nullopt);
}

TEST(HttpTypes, RetryAfterMillisecondsNearInt64MaxDoNotOverflow) {
  // Rounding up as (ms + 999) / 1000 overflowed here and came out negative.
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "9223372036854775807"}}), INT64_MAX / 1000 + 1);
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "9223372036854775000"}}), INT64_MAX / 1000);
}

}  // namespace
}  // namespace gw
