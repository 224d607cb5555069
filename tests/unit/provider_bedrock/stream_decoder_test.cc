// Bedrock streams to canonical events: the invoke and converse stream vectors give the expected
// event sequences and usage however the bytes are split; exception frames, broken and unfinished
// streams end in a StreamError.
#include <gtest/gtest.h>

#include <sstream>

#include "gw/canonical/usage_accumulator.h"
#include "gw/providers/bedrock/bedrock_codec.h"
#include "gw/providers/bedrock/bedrock_wire.h"
#include "gw/providers/bedrock/event_stream.h"
#include "test_util.h"

namespace gw::bedrock {
namespace {

using testing::hex_decode;
using testing::vector_file;

// A one-line picture of an event, so whole sequences compare and print readably.
std::string describe(const StreamEvent& ev) {
  std::ostringstream s;
  std::visit(
      [&s](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, MessageStart>) {
          s << "start id=" << e.id << " model=" << e.model << " in=" << e.usage.input << " out=" << e.usage.output;
        } else if constexpr (std::is_same_v<T, BlockStart>) {
          s << "block_start " << e.index << " " << to_string(e.type) << " " << e.id << " " << e.name << e.data;
        } else if constexpr (std::is_same_v<T, TextDelta>) {
          s << "text " << e.index << " " << e.text;
        } else if constexpr (std::is_same_v<T, ToolArgsDelta>) {
          s << "args " << e.index << " " << e.partial_json;
        } else if constexpr (std::is_same_v<T, ThinkingDelta>) {
          s << "thinking " << e.index << " " << e.thinking << "|" << e.signature;
        } else if constexpr (std::is_same_v<T, BlockStop>) {
          s << "block_stop " << e.index;
        } else if constexpr (std::is_same_v<T, Finish>) {
          s << "finish " << static_cast<int>(e.reason) << " " << e.stop_sequence;
        } else if constexpr (std::is_same_v<T, UsageUpdate>) {
          s << "usage in=" << e.usage.input << " out=" << e.usage.output << " cr=" << e.usage.cache_read
            << " cw=" << e.usage.cache_write;
        } else if constexpr (std::is_same_v<T, MessageStop>) {
          s << "stop";
        } else {
          s << "error " << e.error.code_name() << " retryable=" << e.error.retryable << " provider=" << e.error.provider
            << " " << e.error.message;
        }
      },
      ev);
  return s.str();
}

std::vector<std::string> run(std::string_view bytes, size_t piece = 0) {
  auto d = make_stream_decoder("aws-east");
  std::vector<StreamEvent> events;
  if (piece == 0) {
    d->feed(bytes, events);
  } else {
    for (size_t at = 0; at < bytes.size(); at += piece) {
      d->feed(bytes.substr(at, piece), events);
    }
  }
  d->finish(events);
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(describe(e));
  }
  return out;
}

std::string frame(std::string_view type, std::string payload, std::string_view message_type = "event") {
  EventMessage m;
  const std::string key = message_type == "exception" ? ":exception-type" : ":event-type";
  m.headers = {EventHeader::string(key, std::string(type)), EventHeader::string(":content-type", "application/json"),
               EventHeader::string(":message-type", std::string(message_type))};
  m.payload = std::move(payload);
  return encode_event(m);
}

TEST(BedrockStream, InvokeStreamVector) {
  const std::string bytes = vector_file("eventstream_invoke_stream_3frames.bin");
  const std::vector<std::string> want = {
      "start id=msg_bdrk_01ABC model=claude-3-5-sonnet-20240620 in=12 out=1",
      "text 0 Hello",
      "usage in=12 out=5 cr=0 cw=0",  // amazon-bedrock-invocationMetrics
      "stop",
  };
  EXPECT_EQ(run(bytes), want);
  EXPECT_EQ(run(bytes, 1), want);
  EXPECT_EQ(run(bytes, 7), want);

  auto d = make_stream_decoder("aws-east");
  std::vector<StreamEvent> events;
  d->feed(bytes, events);
  d->finish(events);
  UsageAccumulator acc;
  for (const auto& e : events) {
    acc.on_event(e);
  }
  EXPECT_EQ(acc.usage(), (Usage{12, 5, 0, 0, 0}));
}

TEST(BedrockStream, ConverseStreamVector) {
  const std::string bytes = vector_file("eventstream_converse_stream_9frames.bin");
  const std::vector<std::string> want = {
      "start id= model= in=0 out=0",
      "block_start 0 text  ",
      "text 0 Checking.",
      "block_stop 0",
      "block_start 1 tool_use tooluse_abc get_weather",
      "args 1 {\"city\":",
      "args 1  \"Paris\"}",
      "block_stop 1",
      "finish " + std::to_string(static_cast<int>(StopReason::ToolUse)) + " ",
      "usage in=20 out=12 cr=0 cw=0",
      "stop",
  };
  EXPECT_EQ(run(bytes), want);
  EXPECT_EQ(run(bytes, 1), want);
  EXPECT_EQ(run(bytes, 13), want);
}

TEST(BedrockStream, ThrottlingExceptionAfterTheStartIsARetryableRateLimit) {
  const std::string three = vector_file("eventstream_invoke_stream_3frames.bin");
  const std::string first = three.substr(0, 411);  // message_start only
  const std::string bytes = first + hex_decode(vector_file("eventstream_exception_throttling.hex"));
  const auto got = run(bytes, 5);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1],
            "error rate_limited retryable=1 provider=aws-east upstream stream failed: throttlingException: "
            "Too many requests, please wait before trying again.");

  auto d = make_stream_decoder("aws-east");
  std::vector<StreamEvent> events;
  d->feed(bytes, events);
  const auto& err = std::get<StreamError>(events.back()).error;
  EXPECT_EQ(err.code, Code::RateLimited);
  EXPECT_TRUE(err.retryable);
  EXPECT_EQ(err.upstream_type, "throttlingException");
  d->feed(three.substr(411), events);  // nothing follows an error
  d->finish(events);
  EXPECT_EQ(events.size(), 2u);
}

TEST(BedrockStream, OtherExceptionAndErrorFrames) {
  auto last = [](const std::string& bytes) { return run(bytes).back(); };
  EXPECT_EQ(last(frame("validationException", R"({"message":"bad input"})", "exception")),
            "error upstream_rejected retryable=0 provider=aws-east upstream stream failed: validationException: bad input");
  EXPECT_EQ(last(frame("modelStreamErrorException", R"({"message":"boom"})", "exception")),
            "error upstream_error retryable=1 provider=aws-east upstream stream failed: modelStreamErrorException: boom");
  EXPECT_EQ(last(frame("modelTimeoutException", "{}", "exception")),
            "error upstream_timeout retryable=1 provider=aws-east upstream stream failed: modelTimeoutException");
  EventMessage err;
  err.headers = {EventHeader::string(":message-type", "error"), EventHeader::string(":error-code", "InternalFailure"),
                 EventHeader::string(":error-message", "oops")};
  EXPECT_EQ(last(encode_event(err)),
            "error upstream_error retryable=1 provider=aws-east upstream stream failed: InternalFailure: oops");
}

TEST(BedrockStream, AnthropicErrorInsideAChunk) {
  const std::string chunk = frame("chunk", R"({"bytes":")" + std::string("eyJ0eXBlIjoiZXJyb3IiLCJlcnJvciI6eyJ0eXBlIjoib3ZlcmxvYWRlZF9lcnJvciIsIm1lc3NhZ2UiOiJPdmVybG9hZGVkIn19") + R"("})");
  // {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
  const auto got = run(chunk);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "error upstream_overloaded retryable=1 provider=aws-east upstream stream failed: Overloaded");
}

TEST(BedrockStream, BrokenAndUnfinishedStreams) {
  const std::string three = vector_file("eventstream_invoke_stream_3frames.bin");
  // Cut inside the last frame: two events, then truncation.
  auto cut = run(std::string_view(three).substr(0, three.size() - 10));
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_NE(cut[2].find("error upstream_error retryable=1"), std::string::npos);
  EXPECT_NE(cut[2].find("truncated event stream"), std::string::npos);

  // Whole frames, but no message_stop.
  auto unfinished = run(std::string_view(three).substr(0, 411));
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_NE(unfinished[1].find("ended before message_stop"), std::string::npos);

  // A corrupted byte in the second frame: the first frame's event, then the CRC error.
  std::string bad = three;
  bad[411 + 100] ^= 0x20;
  auto corrupt = run(bad);
  ASSERT_EQ(corrupt.size(), 2u);
  EXPECT_NE(corrupt[1].find("message CRC mismatch"), std::string::npos);

  // A chunk whose bytes are not base64 JSON.
  auto junk = run(frame("chunk", R"({"bytes":"!!!"})"));
  ASSERT_EQ(junk.size(), 1u);
  EXPECT_NE(junk[0].find("not a base64 JSON event"), std::string::npos);
}

TEST(BedrockStream, ConverseWithoutMetadataStillEndsAndReasoningMaps) {
  std::string bytes = frame("messageStart", R"({"role":"assistant"})") +
                      frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"hmm"}}})") +
                      frame("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"reasoningContent":{"signature":"sg"}}})") +
                      frame("contentBlockStop", R"({"contentBlockIndex":0})") +
                      frame("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"reasoningContent":{"redactedContent":"UkVE"}}})") +
                      frame("contentBlockDelta", R"({"contentBlockIndex":2,"delta":{"text":"ok"},"p":"abc"})") +
                      frame("someFutureEvent", R"({"x":1})") +
                      frame("messageStop", R"({"stopReason":"max_tokens"})");
  const std::vector<std::string> want = {
      "start id= model= in=0 out=0",
      "block_start 0 thinking  ",
      "thinking 0 hmm|",
      "thinking 0 |sg",
      "block_stop 0",
      "block_start 1 redacted_thinking  UkVE",
      "block_start 2 text  ",
      "text 2 ok",
      "block_stop 1",  // closed by messageStop
      "block_stop 2",
      "finish " + std::to_string(static_cast<int>(StopReason::MaxTokens)) + " ",
      "stop",  // at the end of the body: Bedrock sent no metadata
  };
  EXPECT_EQ(run(bytes, 3), want);
}

TEST(BedrockStream, Base64) {
  EXPECT_EQ(base64_decode("SGVsbG8="), "Hello");
  EXPECT_EQ(base64_decode("SGVsbG8"), "Hello");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("SGVsbG8h"), "Hello!");
  EXPECT_FALSE(base64_decode("SGV*bG8=").has_value());
  EXPECT_FALSE(base64_decode("S").has_value());
}

TEST(BedrockStream, TheCodecHandsOutThisDecoder) {
  config::Provider p;
  p.name = "aws-east";
  auto codec = make_bedrock_codec(p);
  auto d = codec->stream_decoder();
  std::vector<StreamEvent> events;
  d->feed(vector_file("eventstream_converse_stream_9frames.bin"), events);
  d->finish(events);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(std::holds_alternative<MessageStop>(events.back()));
}

}  // namespace
}  // namespace gw::bedrock
