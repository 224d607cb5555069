#include "gw/common/base64.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(Base64, StandardMatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(Base64, UrlAlphabetIsUnpaddedWithDashAndUnderscore) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64_encode(bytes, Base64::Url), "-_-_");
  EXPECT_EQ(base64_encode("f", Base64::Url), "Zg");
  EXPECT_EQ(base64_decode("-_-_", Base64::Url), bytes);
  EXPECT_EQ(base64_decode("Zg", Base64::Url), "f");
  EXPECT_EQ(base64_decode("Zg==", Base64::Url), "f") << "padding is accepted";
}

TEST(Base64, RejectsForeignCharactersAndImpossibleLengths) {
  EXPECT_FALSE(base64_decode("-_-_"));               // URL-safe text is not standard base64
  EXPECT_FALSE(base64_decode("+/+/", Base64::Url));
  EXPECT_FALSE(base64_decode("Zm9v Yg=="));
  EXPECT_FALSE(base64_decode("Zm9vY"));               // 4n+1 characters end no byte
  const std::string all = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) {
      s.push_back(static_cast<char>(i));
    }
    return s;
  }();
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode(base64_encode(all, Base64::Url), Base64::Url), all);
}

}  // namespace
}  // namespace gw
