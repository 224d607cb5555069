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

// Audit (vertex_azure.md F5): a credential file's path reached clients in error messages.
TEST(SecretScan, WithholdsTheCredentialFilesPaths) {
  std::string m = "provider gcp: credentials file /etc/gw/sa.json: private_key could not be parsed";
  EXPECT_TRUE(withhold_paths(m, {"/etc/gw/sa.json"}));
  EXPECT_EQ(m, "provider gcp: credentials file [path withheld]: private_key could not be parsed");
  m = "keys/sa.json (token file /run/t, again /run/t)";
  EXPECT_TRUE(withhold_paths(m, {"", "keys/sa.json", "/run/t"}));
  EXPECT_EQ(m, "[path withheld] (token file [path withheld], again [path withheld])");
  m = "no path here: https://oauth2.googleapis.com/token answered HTTP 400";
  EXPECT_FALSE(withhold_paths(m, {"/etc/gw/sa.json", "a"}));  // "a": too short to mean the file
  EXPECT_EQ(m, "no path here: https://oauth2.googleapis.com/token answered HTTP 400");
}

}  // namespace
}  // namespace gw
