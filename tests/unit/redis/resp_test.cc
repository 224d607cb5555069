#include "gw/redis/resp.h"

#include <gtest/gtest.h>

namespace gw::redis {
namespace {

Reply one(ReplyReader& r) {
  auto next = r.next();
  EXPECT_TRUE(next);
  EXPECT_TRUE(next && *next);
  return next && *next ? **next : Reply{};
}

TEST(Resp, EncodesCommandsBinarySafe) {
  EXPECT_EQ(encode_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encode_command({"SET", std::string("a\0\r\nb", 5), ""}),
            std::string("*3\r\n$3\r\nSET\r\n$5\r\na\0\r\nb\r\n$0\r\n\r\n", 30));
}

TEST(Resp, ParsesEveryReplyType) {
  ReplyReader r;
  r.feed("+OK\r\n-ERR wrong number of arguments\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n");
  Reply ok = one(r);
  EXPECT_EQ(ok.type, Reply::Type::Status);
  EXPECT_EQ(ok.str, "OK");
  Reply err = one(r);
  EXPECT_TRUE(err.is_error());
  EXPECT_EQ(err.str, "ERR wrong number of arguments");
  Reply n = one(r);
  EXPECT_EQ(n.type, Reply::Type::Integer);
  EXPECT_EQ(n.integer, -42);
  Reply s = one(r);
  EXPECT_EQ(s.type, Reply::Type::String);
  EXPECT_EQ(s.str, "hello");
  EXPECT_TRUE(one(r).is_nil()) << "a nil bulk string";
  EXPECT_TRUE(one(r).is_nil()) << "a nil array";
  auto none = r.next();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(Resp, ParsesNestedArraysWithNilsAndErrors) {
  ReplyReader r;
  r.feed("*4\r\n:1\r\n$-1\r\n*2\r\n$1\r\na\r\n-NOSCRIPT No matching script\r\n$0\r\n\r\n");
  Reply a = one(r);
  ASSERT_EQ(a.type, Reply::Type::Array);
  ASSERT_EQ(a.elements.size(), 4u);
  EXPECT_EQ(a.elements[0].integer, 1);
  EXPECT_TRUE(a.elements[1].is_nil());
  ASSERT_EQ(a.elements[2].elements.size(), 2u);
  EXPECT_EQ(a.elements[2].elements[0].str, "a");
  EXPECT_TRUE(a.elements[2].elements[1].is_error());
  EXPECT_EQ(a.elements[2].elements[1].str, "NOSCRIPT No matching script");
  EXPECT_EQ(a.elements[3].type, Reply::Type::String);
  EXPECT_EQ(a.elements[3].str, "");
}

TEST(Resp, WaitsForTheRestOfASplitReply) {
  ReplyReader r;
  const std::string wire = "*2\r\n$5\r\nhello\r\n:7\r\n";
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    r.feed(wire.substr(i, 1));
    auto partial = r.next();
    ASSERT_TRUE(partial);
    ASSERT_FALSE(*partial) << "complete after only " << i + 1 << " bytes";
  }
  r.feed(wire.substr(wire.size() - 1));
  Reply a = one(r);
  ASSERT_EQ(a.elements.size(), 2u);
  EXPECT_EQ(a.elements[1].integer, 7);
}

TEST(Resp, RejectsBytesThatAreNotResp) {
  ReplyReader r;
  r.feed("HTTP/1.1 400 Bad Request\r\n");
  auto bad = r.next();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("protocol error"), std::string::npos) << bad.error().message;
}

TEST(Resp, RefusesAnArrayHeaderTooLargeToAllocateBeforeAllocatingIt) {
  // hiredis's own reader callocs the announced element count at once: 8 bytes x 333 million here.
  ReplyReader r;
  r.feed("*333333333\r\n:1\r\n");
  auto bad = r.next();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("an array of 333333333 elements"), std::string::npos)
      << bad.error().message;
}

TEST(Resp, AcceptsTheLargestArrayItAllows) {
  ReplyReader r;
  std::string wire = "*" + std::to_string(kMaxReplyElements) + "\r\n";
  for (size_t i = 0; i < kMaxReplyElements; ++i) {
    wire += ":1\r\n";
  }
  r.feed(wire);
  EXPECT_EQ(one(r).elements.size(), kMaxReplyElements);
}

TEST(Resp, RefusesAReplyLargerThanItBuffers) {
  ReplyReader r;
  r.feed("$" + std::to_string(kMaxPendingBytes + 1) + "\r\n");
  const std::string chunk(1 << 20, 'x');
  for (size_t fed = 0; fed <= kMaxPendingBytes; fed += chunk.size()) {
    r.feed(chunk);
  }
  auto bad = r.next();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("a reply larger than"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace gw::redis
