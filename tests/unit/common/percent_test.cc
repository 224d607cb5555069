// Percent-encoding and decoding (RFC 3986).
#include "gw/common/percent.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(Percent, EncodesAllButWhatIsKept) {
  std::string out;
  percent_encode("a-Z.0_~ /:+%\xff", &is_unreserved, out);
  EXPECT_EQ(out, "a-Z.0_~%20%2F%3A%2B%25%FF");
  out.clear();
  percent_encode("a:b", [](char c) { return c != 'b'; }, out);
  EXPECT_EQ(out, "a:%62");
  EXPECT_EQ(*percent_decode("a-Z.0_~%20%2F%3A%2B%25%FF"), "a-Z.0_~ /:+%\xff");
}

TEST(Percent, DecodesAndRefusesMalformedEscapes) {
  EXPECT_EQ(*percent_decode("a+b%2b"), "a+b+");
  EXPECT_EQ(*percent_decode("a+b", /*plus_is_space=*/true), "a b");
  EXPECT_FALSE(percent_decode("%zz").has_value());
  EXPECT_FALSE(percent_decode("ab%2").has_value());
}

}  // namespace
}  // namespace gw
