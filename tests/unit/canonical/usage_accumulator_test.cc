#include "gw/canonical/usage_accumulator.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

TEST(UsageAccumulator, KeepsTheMaximumOfCumulativeReports) {
  UsageAccumulator acc(999);
  Usage start;
  start.input = 10;
  start.cache_read = 5;
  start.output = 1;
  acc.on_event(MessageStart{"id", "m", start});
  acc.on_event(TextDelta{0, "hello world"});
  Usage final;
  final.output = 42;
  acc.on_event(UsageUpdate{final});
  EXPECT_TRUE(acc.reported());
  Usage u = acc.usage();
  EXPECT_EQ(u.input, 10u);
  EXPECT_EQ(u.cache_read, 5u);
  EXPECT_EQ(u.output, 42u);
}

TEST(UsageAccumulator, StreamAndPlainAgree) {
  Usage reported;
  reported.input = 7;
  reported.output = 3;
  ChatResponse resp;
  resp.content.push_back(ContentBlock::make_text("abc"));
  resp.usage = reported;
  UsageAccumulator plain;
  plain.on_response(resp);

  UsageAccumulator streamed;
  streamed.on_event(MessageStart{"id", "m", Usage{}});
  streamed.on_event(TextDelta{0, "abc"});
  streamed.on_event(UsageUpdate{reported});
  streamed.on_event(MessageStop{});
  EXPECT_EQ(plain.usage(), streamed.usage());
}

TEST(UsageAccumulator, CountsWhenTheUpstreamNeverReported) {
  UsageAccumulator acc(25);
  acc.on_event(TextDelta{0, std::string(40, 'x')});
  acc.on_event(ToolArgsDelta{1, std::string(8, 'y')});
  EXPECT_FALSE(acc.reported());
  Usage u = acc.usage();
  EXPECT_EQ(u.input, 25u);
  EXPECT_EQ(u.output, 12u);  // 48 bytes / 4
}

// Regression: Anthropic (and Bedrock InvokeModel, Vertex) put a placeholder output_tokens (1 or 2)
// in message_start. A stream cut before message_delta (the upstream broke, or the client went
// away) used to bill that placeholder instead of counting what was streamed.
TEST(UsageAccumulator, MessageStartOutputDoesNotStopTheCountedFallback) {
  UsageAccumulator acc(999);
  Usage start;
  start.input = 10;
  start.output = 1;
  acc.on_event(MessageStart{"id", "m", start});
  acc.on_event(BlockStart{0, BlockType::Text, {}, {}, {}});
  acc.on_event(TextDelta{0, std::string(40, 'x')});
  EXPECT_TRUE(acc.reported());
  Usage u = acc.usage();
  EXPECT_EQ(u.input, 10u);
  EXPECT_EQ(u.output, 10u);  // 40 bytes / 4, not the placeholder 1

  // Cut before any content: the placeholder is all there is.
  UsageAccumulator early(999);
  early.on_event(MessageStart{"id", "m", start});
  EXPECT_EQ(early.usage().output, 1u);

  // The final report wins over the count, even when it is smaller.
  acc.on_event(UsageUpdate{Usage{10, 7, 0, 0, 0}});
  EXPECT_EQ(acc.usage().output, 7u);
}

// The ledger's usage_counted flag: set when any billed figure is an estimate, including output
// counted after the upstream reported only its input (it used to say "reported" there).
TEST(UsageAccumulator, CountedWhenAnyBilledFigureIsAnEstimate) {
  UsageAccumulator none(50);
  none.on_event(TextDelta{0, std::string(8, 'x')});
  EXPECT_TRUE(none.counted());

  Usage start;
  start.input = 10;
  start.output = 1;
  UsageAccumulator cut(50);
  cut.on_event(MessageStart{"id", "m", start});
  cut.on_event(TextDelta{0, std::string(40, 'x')});
  EXPECT_TRUE(cut.reported());
  EXPECT_TRUE(cut.counted());  // input reported, output counted

  cut.on_event(UsageUpdate{Usage{10, 7, 0, 0, 0}});
  EXPECT_FALSE(cut.counted());  // the final report arrived: nothing estimated

  UsageAccumulator plain(50);
  ChatResponse resp;
  resp.usage = Usage{12, 11, 0, 0, 0};
  plain.on_response(resp);
  EXPECT_FALSE(plain.counted());
}

// Regression: a request whose every attempt the upstreams refused (429, 5xx, an upstream 400)
// was recorded with its estimated input and billed for it, although no upstream answered and
// providers do not bill refused requests. The estimate is for answers cut short, not for refusals.
TEST(UsageAccumulator, BillsNothingWhenNoUpstreamAnswered) {
  UsageAccumulator refused(50);
  EXPECT_EQ(refused.usage(), Usage{});
  EXPECT_TRUE(refused.usage().empty());

  // Once an answer began, an unreported input is counted as before.
  UsageAccumulator answered(50);
  answered.on_event(TextDelta{0, std::string(8, 'x')});
  EXPECT_EQ(answered.usage().input, 50u);

  UsageAccumulator plain(50);
  plain.on_response(ChatResponse{});
  EXPECT_EQ(plain.usage().input, 50u);
}

// contract.md: tokens as the upstream reported them. A complete answer whose report says 0 output
// tokens bills 0 (it used to be replaced by a count); a stream cut after a report of 0 is counted,
// since that report need not be its last.
TEST(UsageAccumulator, AReportedZeroStandsOnceTheAnswerIsComplete) {
  ChatResponse resp;
  resp.content.push_back(ContentBlock::make_text(std::string(40, 'x')));
  resp.usage = Usage{20, 0, 0, 0, 0};
  UsageAccumulator plain(99);
  plain.on_response(resp);
  EXPECT_EQ(plain.usage(), (Usage{20, 0, 0, 0, 0}));
  EXPECT_FALSE(plain.counted());

  UsageAccumulator streamed(99);
  streamed.on_event(MessageStart{"id", "m", Usage{}});
  streamed.on_event(TextDelta{0, std::string(40, 'x')});
  streamed.on_event(UsageUpdate{Usage{}});  // Converse metadata of all zeros: a report
  streamed.on_event(MessageStop{});
  EXPECT_EQ(streamed.usage(), Usage{});
  EXPECT_FALSE(streamed.counted());

  UsageAccumulator cut(99);
  cut.on_event(MessageStart{"id", "m", Usage{}});
  cut.on_event(UsageUpdate{Usage{20, 0, 0, 0, 0}});  // a first, continuous usage report
  cut.on_event(TextDelta{0, std::string(40, 'x')});
  EXPECT_EQ(cut.usage().output, 10u);  // no MessageStop: counted
  EXPECT_TRUE(cut.counted());
}

// A figure no model produces (a faulty or hostile compatible server) is not billed: it would
// saturate the record's cost and overflow the sums over it. The request is counted instead.
TEST(UsageAccumulator, AnImplausibleReportIsIgnoredAndTheRequestCounted) {
  UsageAccumulator acc(25);
  acc.on_event(MessageStart{"id", "m", Usage{}});
  acc.on_event(TextDelta{0, std::string(40, 'x')});
  acc.on_event(UsageUpdate{Usage{9'000'000'000'000'000'000ull, 5, 0, 0, 0}});
  acc.on_event(MessageStop{});
  EXPECT_TRUE(acc.implausible());
  EXPECT_TRUE(acc.counted());
  EXPECT_EQ(acc.usage(), (Usage{25, 10, 0, 0, 0}));

  UsageAccumulator at_limit(25);
  ChatResponse resp;
  resp.usage = Usage{UsageAccumulator::kMaxReportedTokens, 1, 0, 0, 0};
  at_limit.on_response(resp);
  EXPECT_FALSE(at_limit.implausible());
  EXPECT_EQ(at_limit.usage().input, UsageAccumulator::kMaxReportedTokens);
}

TEST(EstimateInputTokens, CountsTextToolsAndSchemas) {
  ChatRequest req;
  Message m;
  m.content.push_back(ContentBlock::make_text(std::string(400, 'a')));
  req.messages.push_back(m);
  EXPECT_EQ(estimate_input_tokens(req), 100u);
  Tool t;
  t.name = "abcd";
  req.tools.push_back(t);
  EXPECT_EQ(estimate_input_tokens(req), 101u);
}

}  // namespace
}  // namespace gw
