// Percent-encoding (both forms: with a chosen set kept, and form/query values) and decoding
// (RFC 3986), and their round trip.
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

TEST(Percent, EncodesAllButUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("https://x.y/.default"), "https%3A%2F%2Fx.y%2F.default");
  EXPECT_EQ(percent_encode("a b+c&d=e"), "a%20b%2Bc%26d%3De");
  EXPECT_EQ(percent_encode("\xc3\xa9\x01"), "%C3%A9%01");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(Percent, DecodingUndoesEncoding) {
  const std::string s = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer +/%";
  EXPECT_EQ(percent_decode(percent_encode(s)), s);
}

}  // namespace
}  // namespace gw
