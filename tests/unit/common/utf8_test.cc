#include "gw/common/utf8.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(Utf8Prefix, ATextWithinTheLimitIsWhole) {
  EXPECT_EQ(utf8_prefix("abc", 3), "abc");
  EXPECT_EQ(utf8_prefix("", 0), "");
}

TEST(Utf8Prefix, TheCutNeverFallsInsideACharacter) {
  const std::string s = "ab\xC3\xA9z";  // "abéz": é is two bytes at 2..3
  EXPECT_EQ(utf8_prefix(s, 2), "ab");
  EXPECT_EQ(utf8_prefix(s, 3), "ab");  // 3 bytes would end inside é
  EXPECT_EQ(utf8_prefix(s, 4), "ab\xC3\xA9");
  const std::string euro = "\xE2\x82\xAC\xE2\x82\xAC";  // "€€"
  EXPECT_EQ(utf8_prefix(euro, 5), "\xE2\x82\xAC");
  EXPECT_EQ(utf8_prefix(euro, 2), "");
}

TEST(Excerpt, AShortTextIsQuotedWhole) {
  EXPECT_EQ(excerpt("gpt-4o"), "gpt-4o");
  EXPECT_EQ(excerpt(std::string(256, 'm')), std::string(256, 'm'));
}

TEST(Excerpt, ALongTextIsCutAndSaysSo) {
  EXPECT_EQ(excerpt(std::string(257, 'm')), std::string(256, 'm') + "\xE2\x80\xA6");
  EXPECT_EQ(excerpt("ab\xC3\xA9zzz", 3), "ab\xE2\x80\xA6");
}

}  // namespace
}  // namespace gw
