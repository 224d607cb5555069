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

// RFC 9110 10.2.3: retry-after may be an HTTP-date; it used to be ignored, so a 20 s wait said
// that way became the default 1 s cool-down.
TEST(HttpTypes, RetryAfterAsAnHttpDateIsTheSecondsUntilIt) {
  const int64_t now = 784111757;  // Sun, 06 Nov 1994 08:49:17 GMT
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(retry_after_seconds({{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}}, now), 20);
  EXPECT_EQ(retry_after_seconds({{"retry-after", "Sun, 06 Nov 1994 08:49:00 GMT"}}, now), 0) << "past";
  EXPECT_EQ(retry_after_seconds({{"retry-after", "7"}}, now), 7);
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"), 1709251199);
  for (const char* bad : {"Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT", "soon", ""}) {
    EXPECT_EQ(parse_http_date(bad), std::nullopt) << bad;
    EXPECT_EQ(retry_after_seconds({{"retry-after", bad}}, now), std::nullopt) << bad;
  }
}

TEST(HttpTypes, RetryAfterMillisecondsNearInt64MaxDoNotOverflow) {
  // Rounding up as (ms + 999) / 1000 overflowed here and came out negative.
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "9223372036854775807"}}), INT64_MAX / 1000 + 1);
  EXPECT_EQ(retry_after_seconds({{"retry-after-ms", "9223372036854775000"}}), INT64_MAX / 1000);
}

}  // namespace
}  // namespace gw
