// Percent-encoding for form bodies and query strings, and its round trip through decoding.
#include "gw/common/percent.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

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
