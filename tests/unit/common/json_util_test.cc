#include "gw/common/json_util.h"

#include <gtest/gtest.h>

#include <random>

namespace gw {
namespace {

std::string ours(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(AppendJsonString, MatchesBoostSerializeOnEveryByte) {
  for (int c = 0; c < 256; ++c) {
    const std::string s = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(ours(s), boost::json::serialize(boost::json::string(s))) << "byte " << c;
  }
}

TEST(AppendJsonString, MatchesBoostSerializeOnRandomText) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64);
  for (int i = 0; i < 2000; ++i) {
    std::string s(static_cast<size_t>(len(rng)), '\0');
    for (auto& ch : s) {
      ch = static_cast<char>(byte(rng));
    }
    ASSERT_EQ(ours(s), boost::json::serialize(boost::json::string(s)));
  }
  EXPECT_EQ(ours(""), "\"\"");
  EXPECT_EQ(ours("h\xc3\xa9llo \"q\" \\ \n"), "\"h\xc3\xa9llo \\\"q\\\" \\\\ \\n\"");
}

// The escaper scans 16 bytes at a time: one byte that needs (or looks close to needing) an escape,
// at every position across several blocks of otherwise plain text, and at block edges.
TEST(AppendJsonString, MatchesBoostSerializeAtEveryPositionOfLongText) {
  const std::string plain = "The quick brown fox jumps over the lazy dog, 0123456789 ABCDEFGHIJ xyz.";
  for (const int special : {0x00, 0x01, 0x1f, 0x20, int('"'), int('\\'), 0x7f, 0x80, 0xc3, 0xff}) {
    for (size_t at = 0; at < plain.size(); ++at) {
      std::string s = plain;
      s[at] = static_cast<char>(special);
      ASSERT_EQ(ours(s), boost::json::serialize(boost::json::string(s))) << "byte " << special << " at " << at;
      const std::string two = s.substr(0, at) + static_cast<char>(special);  // ends on it
      ASSERT_EQ(ours(two), boost::json::serialize(boost::json::string(two))) << "byte " << special << " ending " << at;
    }
  }
  EXPECT_EQ(ours(plain), "\"" + plain + "\"");
}

TEST(TransientJson, ParsesIntoTheArenaAndNestedUseFallsBackToTheHeap) {
  boost::json::error_code ec;
  TransientJson outer;
  boost::json::value a = outer.parse(R"({"k":[1,2,{"s":"text"}]})", ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(a.storage().get(), outer.storage().get());
  EXPECT_NE(outer.storage().get(), boost::json::storage_ptr().get());
  {
    TransientJson inner;  // the arena is taken: this one uses the default resource
    EXPECT_EQ(inner.storage().get(), boost::json::storage_ptr().get());
    boost::json::value b = inner.parse(R"({"x":1})", ec);
    ASSERT_FALSE(ec);
    EXPECT_EQ(b.at("x").as_int64(), 1);
  }
  EXPECT_EQ(a.at("k").at(2).at("s").as_string(), "text");
  // A copy made for keeping lives on the heap, independent of the arena.
  boost::json::value kept(a.at("k"), boost::json::storage_ptr());
  EXPECT_EQ(kept.storage().get(), boost::json::storage_ptr().get());
}

TEST(TransientJson, ReportsMalformedInputAndTakesDocumentsLargerThanItsBuffer) {
  boost::json::error_code ec;
  {
    TransientJson t;
    boost::json::value v = t.parse("{\"a\":", ec);
    EXPECT_TRUE(ec);
  }
  std::string big = "[";
  for (int i = 0; i < 20000; ++i) {
    big += (i ? "," : "") + std::string("\"item-") + std::to_string(i) + "\"";
  }
  big += "]";
  for (int round = 0; round < 3; ++round) {  // the arena is reused after each
    TransientJson t;
    boost::json::value v = t.parse(big, ec);
    ASSERT_FALSE(ec);
    ASSERT_EQ(v.as_array().size(), 20000u);
    EXPECT_EQ(v.as_array()[19999].as_string(), "item-19999");
  }
}

TEST(WithTopLevelString, ReplacesOnlyTheTopLevelKeyAndKeepsEveryOtherByte) {
  // A nested "model", a "model" inside a string, escapes and odd spacing are all left alone.
  const std::string in =
      "{ \"data\" : [ {\"model\":\"inner\",\"v\":[1.0000000000000002e-7, -0.014999999664723873]} ],"
      " \"note\":\"say \\\"model\\\": x\" ,\n\"model\" :\t\"upstream-name\", \"usage\":{\"n\":1}}";
  const std::string want =
      "{ \"data\" : [ {\"model\":\"inner\",\"v\":[1.0000000000000002e-7, -0.014999999664723873]} ],"
      " \"note\":\"say \\\"model\\\": x\" ,\n\"model\" :\t\"client \\\"alias\\\"\", \"usage\":{\"n\":1}}";
  EXPECT_EQ(with_top_level_string(in, "model", "client \"alias\""), want);
  EXPECT_EQ(boost::json::parse(want).at("model"), boost::json::value("client \"alias\""));
}

TEST(WithTopLevelString, ReplacesAValueOfAnyTypeAndAddsAnAbsentKey) {
  EXPECT_EQ(with_top_level_string(R"({"a":{"b":[1,{"c":"}"}]},"model":null})", "model", "m"),
            R"({"a":{"b":[1,{"c":"}"}]},"model":"m"})");
  EXPECT_EQ(with_top_level_string(R"({"model":12,"z":true})", "model", "m"), R"({"model":"m","z":true})");
  EXPECT_EQ(with_top_level_string(R"({"data":[]})", "model", "m"), R"({"model":"m","data":[]})");
  EXPECT_EQ(with_top_level_string("{ }", "model", "m"), R"({"model":"m" })");
  EXPECT_EQ(with_top_level_string("[1,2]", "model", "m"), "[1,2]");
}

}  // namespace
}  // namespace gw
