#include "gw/common/sse.h"

#include <gtest/gtest.h>

#include <iterator>
#include <random>

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

TEST(SseReader, LimitCountsAcrossLinesAndReadsAtEverySplit) {
  // The limit bounds the line being read plus the data gathered so far: 8 + 12 = 20 <= 24 passes,
  // 8 + 19 = 27 does not, however the bytes are split into reads.
  const std::string ok = "data: 01234567\r\ndata: abcdef\r\n\r\n";
  const std::string bad = "data: 01234567\ndata: abcdefghijklm\n\n";
  for (size_t split = 1; split <= bad.size(); ++split) {
    SseReader r(24);
    std::vector<SseEvent> out;
    bool good = true;
    for (size_t i = 0; i < ok.size(); i += split) {
      good = good && r.feed(std::string_view(ok).substr(i, split), out);
    }
    EXPECT_TRUE(good) << "split " << split;
    ASSERT_EQ(out.size(), 1u) << "split " << split;
    EXPECT_EQ(out[0].data, "01234567\nabcdef");
    SseReader r2(24);
    good = true;
    for (size_t i = 0; i < bad.size(); i += split) {
      good = good && r2.feed(std::string_view(bad).substr(i, split), out);
    }
    EXPECT_FALSE(good) << "split " << split;
  }
}

TEST(SseReader, LoneCarriageReturnsEndLines) {
  SseReader r;
  std::vector<SseEvent> out;
  EXPECT_TRUE(r.feed("data: a\rdata: b\r\r", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "a\nb");
  EXPECT_FALSE(r.has_partial());
}

// The WHATWG line rules written the plain way, one byte at a time: the reader must agree with it
// on any input split any way.
std::vector<SseEvent> reference_events(std::string_view text) {
  std::vector<SseEvent> out;
  SseEvent cur;
  bool has_data = false;
  std::string line;
  auto process = [&](std::string_view l) {
    if (l.empty()) {
      if (has_data) out.push_back(cur);
      cur = SseEvent{};
      has_data = false;
      return;
    }
    if (l.front() == ':') return;
    std::string_view field = l, value;
    if (auto c = l.find(':'); c != std::string_view::npos) {
      field = l.substr(0, c);
      value = l.substr(c + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      if (has_data) cur.data.push_back('\n');
      cur.data.append(value);
      has_data = true;
    } else if (field == "event") {
      cur.event = std::string(value);
    } else if (field == "id") {
      cur.id = std::string(value);
    }
  };
  bool skip_lf = false;
  for (char c : text) {
    if (skip_lf) {
      skip_lf = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf = c == '\r';
      process(line);
      line.clear();
      continue;
    }
    line.push_back(c);
  }
  return out;
}

TEST(SseReader, AgreesWithAByteAtATimeReferenceOnRandomStreams) {
  std::mt19937 rng(11);
  const std::string alphabet[] = {"data", "event", "id", ":", " ", "\r", "\n", "x", "yz", "\r\n", "\n\n"};
  std::uniform_int_distribution<size_t> pick(0, std::size(alphabet) - 1), len(0, 60), cut(1, 9);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    for (size_t n = len(rng), i = 0; i < n; ++i) text += alphabet[pick(rng)];
    SseReader r;
    std::vector<SseEvent> got;
    for (size_t i = 0; i < text.size();) {
      const size_t k = cut(rng);
      ASSERT_TRUE(r.feed(std::string_view(text).substr(i, k), got));
      i += k;
    }
    const auto want = reference_events(text);
    ASSERT_EQ(got.size(), want.size()) << text;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].data, want[i].data) << text;
      EXPECT_EQ(got[i].event, want[i].event) << text;
      EXPECT_EQ(got[i].id, want[i].id) << text;
    }
  }
}

TEST(SseWriter, FormatsMultiLineData) {
  EXPECT_EQ(format_sse("e", "a\nb"), "event: e\ndata: a\ndata: b\n\n");
  EXPECT_EQ(format_sse("", "[DONE]"), "data: [DONE]\n\n");
}

}  // namespace
}  // namespace gw
