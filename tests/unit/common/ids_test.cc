#include "gw/common/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace gw {
namespace {

bool is_hex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

TEST(Ids, RequestIdsAreUuidV7TimeOrderedAndUnique) {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 20000; ++i) {
    const std::string id = new_request_id();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[18], '-');
    EXPECT_EQ(id[23], '-');
    EXPECT_EQ(id[14], '7');                                   // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // variant 10xx
    // The first 48 bits are the millisecond clock: never decreasing.
    EXPECT_GE(id.substr(0, 13), prev.empty() ? "" : prev.substr(0, 13));
    prev = id;
    EXPECT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(Ids, ThreadsDoNotShareARandomSequence) {
  std::string a, b;
  std::thread t1([&] { a = random_id(16); });
  std::thread t2([&] { b = random_id(16); });
  t1.join();
  t2.join();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_TRUE(is_hex(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(random_id(5).size(), 10u);
  EXPECT_EQ(random_id(0), "");
}

TEST(Ids, Sha256MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string other;
  std::thread t([&] { other = sha256_hex("abc"); });
  t.join();
  EXPECT_EQ(other, sha256_hex("abc"));
  const std::string token = random_token(24);
  EXPECT_EQ(token.size(), 48u);
  EXPECT_TRUE(is_hex(token));
}

}  // namespace
}  // namespace gw
