#include "gw/config/decimal.h"

#include <gtest/gtest.h>

#include <limits>

namespace gw::config {
namespace {

std::optional<int64_t> micro(const std::string& s) { return parse_fixed_decimal(s, 6, nullptr); }

TEST(FixedDecimal, ParsesExactly) {
  EXPECT_EQ(micro("3"), 3'000'000);
  EXPECT_EQ(micro("3.00"), 3'000'000);
  EXPECT_EQ(micro("0.075"), 75'000);
  EXPECT_EQ(micro("15"), 15'000'000);
  EXPECT_EQ(micro("15.5"), 15'500'000);
  EXPECT_EQ(micro("0"), 0);
  EXPECT_EQ(micro(".5"), 500'000);
  EXPECT_EQ(micro("2."), 2'000'000);
  EXPECT_EQ(micro("0.000001"), 1);
  EXPECT_EQ(micro("0.1"), 100'000);  // the classic case a double gets wrong when summed
  EXPECT_EQ(micro("3.0000000"), 3'000'000);  // trailing zeros carry no value
  EXPECT_EQ(parse_fixed_decimal("100", 9, nullptr), 100'000'000'000);
  EXPECT_EQ(parse_fixed_decimal("12.5", 0, nullptr), std::nullopt);
  EXPECT_EQ(parse_fixed_decimal("12", 0, nullptr), 12);
}

TEST(FixedDecimal, RejectsTooManyDecimals) {
  std::string error;
  EXPECT_EQ(parse_fixed_decimal("0.0000001", 6, &error), std::nullopt);
  EXPECT_NE(error.find("more than 6 decimal places"), std::string::npos);
}

TEST(FixedDecimal, RejectsAnythingButDigitsAndOneDot) {
  for (const char* bad : {"", ".", "-1", "+1", "1e3", "1.5e-3", " 1", "1 ", "1,5", "1.2.3", "abc",
                          "0x10", "inf", "nan"}) {
    std::string error;
    EXPECT_EQ(parse_fixed_decimal(bad, 6, &error), std::nullopt) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(FixedDecimal, RejectsOverflow) {
  std::string error;
  EXPECT_EQ(parse_fixed_decimal("9223372036854.775807", 6, &error),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_fixed_decimal("9223372036854.775808", 6, &error), std::nullopt);
  EXPECT_NE(error.find("too large"), std::string::npos);
  EXPECT_EQ(parse_fixed_decimal("99999999999999999999", 0, &error), std::nullopt);
}

TEST(FixedDecimal, ErrorsNeverRepeatTheText) {
  std::string error;
  EXPECT_EQ(parse_fixed_decimal("sk-secret-value", 6, &error), std::nullopt);
  EXPECT_EQ(error.find("sk-secret"), std::string::npos);
}

}  // namespace
}  // namespace gw::config
