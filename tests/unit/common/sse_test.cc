#include "gw/common/sse.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

std::vector<SseEvent> read_all(std::string_view text, size_t split) {
  SseReader r;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < text.size(); i += split) {
    EXPECT_TRUE(r.feed(text.substr(i, split), out));
  }
  return out;
}

TEST(SseReader, ParsesEventsSplitAtEveryByte) {
  const std::string text =
      "event: message_start\ndata: {\"a\":1}\n\n: comment\n\nevent: ping\r\ndata: x\r\n\r\n"
      "data: line1\ndata: line2\nid: 7\n\n";
  for (size_t split = 1; split <= text.size(); ++split) {
    auto ev = read_all(text, split);
    ASSERT_EQ(ev.size(), 3u) << "split " << split;
    EXPECT_EQ(ev[0].event, "message_start");
    EXPECT_EQ(ev[0].data, "{\"a\":1}");
    EXPECT_EQ(ev[1].event, "ping");
    EXPECT_EQ(ev[1].data, "x");
    EXPECT_EQ(ev[2].event, "");
    EXPECT_EQ(ev[2].data, "line1\nline2");
    EXPECT_EQ(ev[2].id, "7");
  }
}

TEST(SseReader, CrLfSplitBetweenChunksIsOneLineEnd) {
  SseReader r;
  std::vector<SseEvent> out;
  r.feed("data: a\r", out);
  r.feed("\n\r", out);
  r.feed("\n", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a");
  EXPECT_FALSE(r.has_partial());
}

TEST(SseReader, ReportsAPartialEventAtTheEnd) {
  SseReader r;
  std::vector<SseEvent> out;
  r.feed("data: {\"cut", out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(r.has_partial());
}

TEST(SseReader, FieldWithoutSpaceAndEventsWithoutDataAreNotDispatched) {
  auto ev = read_all("event: x\n\ndata:nospace\n\n", 1000);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].data, "nospace");
  EXPECT_EQ(ev[0].event, "");
}

TEST(SseReader, OversizedEventFails) {
  SseReader r(16);
  std::vector<SseEvent> out;
  EXPECT_FALSE(r.feed("data: 0123456789abcdefghij\n\n", out));
  EXPECT_TRUE(r.failed());
  EXPECT_FALSE(r.feed("data: x\n\n", out));
}

TEST(SseWriter, FormatsMultiLineData) {
  EXPECT_EQ(format_sse("e", "a\nb"), "event: e\ndata: a\ndata: b\n\n");
  EXPECT_EQ(format_sse("", "[DONE]"), "data: [DONE]\n\n");
}

}  // namespace
}  // namespace gw
