#include "gw/common/secret_scan.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(SecretScan, SentCredentialsAreTheAuthorizationLikeHeaderValues) {
  const Headers h{{"Authorization", "Bearer tok-abcdefghijklmnop"}, {"content-type", "application/json"},
                  {"api-key", "azure-key-123"}, {"X-Amz-Security-Token", "sess-token-xyz"}, {"x-request-id", "r1"}};
  const auto got = sent_credentials(h);
  EXPECT_EQ(got, (std::vector<std::string>{"Bearer tok-abcdefghijklmnop", "tok-abcdefghijklmnop", "azure-key-123",
                                           "sess-token-xyz"}));
}

TEST(SecretScan, QuotesAnySixteenBytesOfALongSecretOrAllOfAShortOne) {
  const std::vector<std::string_view> secrets{"sk-live-0123456789abcdefghij", "short1"};
  EXPECT_TRUE(quotes_any("you sent Bearer sk-live-0123456789abcdefghij", secrets));
  EXPECT_TRUE(quotes_any("key ending 456789abcdefghij was refused", secrets));  // 16 bytes of it
  EXPECT_TRUE(quotes_any("short1 is wrong", secrets));
  EXPECT_FALSE(quotes_any("key ending 89abcdefghij was refused", secrets));  // 12 bytes: chance
  EXPECT_FALSE(quotes_any("the model does not exist", secrets));
  EXPECT_FALSE(quotes_any("abc", {"abc"}));  // under 6 bytes: too likely by chance
}

}  // namespace
}  // namespace gw
