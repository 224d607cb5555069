// The OpenAI chunk decoder on chunks that compatible servers send but the
// fixtures do not: fields in another order, repeated keys, escaped keys, values
// of unexpected types, and bytes that are not one JSON object. These pin what
// the decoder reads, so a faster parser can be checked against them.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "canonical_json.h"
#include "gw/providers/openai/openai_codec.h"

namespace gw {
namespace {

// The events of `chunks` (each sent as one SSE event), one compact JSON object
// a line.
std::string decode(const std::vector<std::string_view>& chunks) {
  auto dec = openai::make_chat_stream_decoder();
  std::vector<StreamEvent> out;
  for (std::string_view c : chunks) {
    dec->feed("data: " + std::string(c) + "\n\n", out);
  }
  dec->finish(out);
  std::string s;
  for (const auto& e : out) {
    boost::json::object o = testing::to_json(e);
    if (const auto* err = std::get_if<StreamError>(&e);
        err != nullptr && !err->error.upstream_type.empty()) {
      o["upstream_type"] = err->error.upstream_type;
    }
    s += boost::json::serialize(o) + "\n";
  }
  return s;
}

// What decode() returns for these events, one a line.
std::string lines(std::initializer_list<std::string_view> events) {
  std::string s;
  for (std::string_view e : events) {
    s += e;
    s += '\n';
  }
  return s;
}

constexpr std::string_view kMalformed =
    R"({"event":"error","message":"upstream sent a stream chunk that is not a JSON object","retryable":true})"
    "\n";

TEST(OpenAIStreamDecoderChunks, FieldsInAnyOrder) {
  const std::string in_order = decode({
      R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})",
      R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]})",
      R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})",
      R"({"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})",
      "[DONE]",
  });
  const std::string reordered = decode({
      R"({"choices":[{"finish_reason":null,"delta":{"content":"Hi"},"index":0}],"model":"m","id":"c1"})",
      R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{}","name":"f"},"id":"t","index":0}]},"index":0}],"model":"m","id":"c1"})",
      R"({"choices":[{"finish_reason":"tool_calls","delta":{}}],"id":"c1","model":"m"})",
      R"({"usage":{"completion_tokens":2,"prompt_tokens":5},"choices":[],"model":"m","id":"c1"})",
      "[DONE]",
  });
  EXPECT_EQ(reordered, in_order);
  EXPECT_NE(in_order.find(R"("model":"m")"), std::string::npos);
  EXPECT_NE(in_order.find(R"("name":"f")"), std::string::npos);
}

// A refusal streams as delta.refusal: it becomes a text block of its own, marked, so an OpenAI
// client gets refusal back (not content) and other dialects still read it as text.
TEST(OpenAIStreamDecoderChunks, RefusalDeltasOpenAMarkedTextBlock) {
  EXPECT_EQ(decode({
                R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""}}]})",
                R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"refusal":"I can't"}}]})",
                R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{"refusal":" help."}}]})",
                R"({"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
                R"({"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}})",
                "[DONE]",
            }),
            lines({
                R"({"event":"message_start","id":"c1","model":"m","usage":{}})",
                R"({"event":"block_start","index":0,"type":"text","refusal":true})",
                R"({"event":"text_delta","index":0,"text":"I can't"})",
                R"({"event":"text_delta","index":0,"text":" help."})",
                R"({"event":"block_stop","index":0})",
                R"({"event":"finish","reason":"end_turn"})",
                R"({"event":"usage","usage":{"input":5,"output":3}})",
                R"({"event":"message_stop"})",
            }));
}

TEST(OpenAIStreamDecoderChunks, RepeatedKeysKeepTheFirstValue) {
  // A null "choices" first: the chunk has no choice, even though a later
  // "choices" has one.
  EXPECT_EQ(decode({R"({"choices":null,"choices":[{"delta":{"content":"a"}}]})",
                    "[DONE]"}),
            decode({"[DONE]"}));
  EXPECT_EQ(
      decode(
          {R"({"id":"x","id":"y","choices":[{"delta":{"content":"a","content":"b"}}]})",
           "[DONE]"}),
      decode(
          {R"({"id":"x","choices":[{"delta":{"content":"a"}}]})", "[DONE]"}));
  // A usage object's counts, and the details inside it, also keep their first
  // values.
  const std::string usage = decode({
      R"({"choices":[],"usage":{"prompt_tokens":"9","prompt_tokens":50,"completion_tokens":4,)"
      R"("prompt_tokens_details":{"cached_tokens":10,"cached_tokens":20}}})",
      "[DONE]",
  });
  EXPECT_NE(usage.find(R"("usage":{"output":4,"cache_read":10})"),
            std::string::npos)
      << usage;
}

TEST(OpenAIStreamDecoderChunks, EscapedKeysAreReadUnescaped) {
  EXPECT_EQ(decode({R"({"\u0063hoices":[{"delta":{"cont\u0065nt":"a"}}]})",
                    "[DONE]"}),
            decode({R"({"choices":[{"delta":{"content":"a"}}]})", "[DONE]"}));
}

TEST(OpenAIStreamDecoderChunks, ChoicesThatAreNotAnArrayAreIgnored) {
  // Like Azure's prompt_filter_results chunk: nothing starts until a chunk has
  // a choice or usage.
  EXPECT_EQ(decode({R"({"choices":{"delta":{"content":"a"}}})",
                    R"({"choices":[5]})", "[DONE]"}),
            decode({"[DONE]"}));
  // Only the first choice is read; a first choice that is not an object counts
  // as none.
  EXPECT_EQ(
      decode(
          {R"({"choices":[5,{"delta":{"content":"a"}}],"usage":{"completion_tokens":1}})",
           "[DONE]"}),
      decode({R"({"choices":[],"usage":{"completion_tokens":1}})", "[DONE]"}));
}

TEST(OpenAIStreamDecoderChunks, ValuesOfAnotherTypeCountAsAbsent) {
  EXPECT_EQ(
      decode(
          {R"({"id":5,"model":["m"],"choices":[{"delta":{"content":7,"refusal":"no"},"finish_reason":1}]})",
           "[DONE]"}),
      decode({R"({"choices":[{"delta":{"refusal":"no"}}]})", "[DONE]"}));
  // Negative, fractional and string counts read as zero.
  EXPECT_EQ(
      decode(
          {R"({"choices":[],"usage":{"prompt_tokens":-3,"completion_tokens":2.5,)"
           R"("completion_tokens_details":{"reasoning_tokens":"1"}}})",
           "[DONE]"}),
      decode({R"({"choices":[],"usage":{}})", "[DONE]"}));
}

TEST(OpenAIStreamDecoderChunks, ToolCallIndexOfAnyNumberTypeOrNone) {
  // 1.0 is the same call as 1; a call without an index is keyed by its place in
  // tool_calls (elements that are not objects count: "b" is 2); an index too
  // large for an int64 counts as absent ("c" is 0).
  const std::string evs = decode({
      R"({"choices":[{"delta":{"tool_calls":[{"index":1,"id":"a","function":{"name":"f","arguments":"x"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":1.0,"function":{"arguments":"y"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[null,7,{"id":"b","function":{"name":"g"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":1e300,"id":"c","function":{"name":"h"}}]}}]})",
      "[DONE]",
  });
  const std::string want = lines({
      R"({"event":"message_start","id":"","model":"","usage":{}})",
      R"({"event":"block_start","index":0,"type":"tool_use","id":"a","name":"f"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"x"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"y"})",
      R"({"event":"block_start","index":1,"type":"tool_use","id":"b","name":"g"})",
      R"({"event":"block_start","index":2,"type":"tool_use","id":"c","name":"h"})",
      R"({"event":"block_stop","index":0})",
      R"({"event":"block_stop","index":1})",
      R"({"event":"block_stop","index":2})",
      R"({"event":"finish","reason":"end_turn"})",
      R"({"event":"message_stop"})",
  });
  EXPECT_EQ(evs, want);
}

// Regression: a server that omits `index` and sends each call whole in its own
// chunk used to have every call keyed by place 0, so the second call's arguments
// went to the first and its id and name were lost.
TEST(OpenAIStreamDecoderChunks, IndexlessWholeCallsInSeparateChunksStayApart) {
  const std::string evs = decode({
      R"({"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{\"x\":1}"}}]}}]})",
      "[DONE]",
  });
  const std::string want = lines({
      R"({"event":"message_start","id":"","model":"","usage":{}})",
      R"({"event":"block_start","index":0,"type":"tool_use","id":"a","name":"f"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"{}"})",
      R"({"event":"block_start","index":1,"type":"tool_use","id":"b","name":"g"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"{\"x\":1}"})",
      R"({"event":"block_stop","index":0})",
      R"({"event":"block_stop","index":1})",
      R"({"event":"finish","reason":"end_turn"})",
      R"({"event":"message_stop"})",
  });
  EXPECT_EQ(evs, want);
}

// An index-less fragment without an id continues the last call at its place;
// one with a known id continues that call; neither merges into an indexed call
// whose index equals its place (that used to take over call "i"'s block).
TEST(OpenAIStreamDecoderChunks, IndexlessFragmentsContinueTheirOwnCall) {
  const std::string evs = decode({
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"i","function":{"name":"f","arguments":"1"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"id":"u","function":{"name":"g","arguments":"2"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"3"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"id":"u","function":{"arguments":"4"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"5"}}]}}]})",
      "[DONE]",
  });
  const std::string want = lines({
      R"({"event":"message_start","id":"","model":"","usage":{}})",
      R"({"event":"block_start","index":0,"type":"tool_use","id":"i","name":"f"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"1"})",
      R"({"event":"block_start","index":1,"type":"tool_use","id":"u","name":"g"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"2"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"3"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"4"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"5"})",
      R"({"event":"block_stop","index":0})",
      R"({"event":"block_stop","index":1})",
      R"({"event":"finish","reason":"end_turn"})",
      R"({"event":"message_stop"})",
  });
  EXPECT_EQ(evs, want);
}

// Ollama and some vLLM builds stream every call of a parallel batch with index 0, each whole
// and with its own id and name. Such a fragment starts a new call (later index-only fragments
// continue the newest one); it used to be merged into the first call, concatenating both
// argument strings and losing the second call's id and name. A repeated id, or a fragment
// without a name, still continues the call.
TEST(OpenAIStreamDecoderChunks, NewIdAndNameAtAnIndexInUseStartAnotherCall) {
  const std::string evs = decode({
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{\"x\":1}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"{\"y\""}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":2"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"}"}}]}}]})",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","function":{"arguments":""}}]}}]})",
      "[DONE]",
  });
  const std::string want = lines({
      R"({"event":"message_start","id":"","model":"","usage":{}})",
      R"({"event":"block_start","index":0,"type":"tool_use","id":"a","name":"f"})",
      R"({"event":"tool_args_delta","index":0,"partial_json":"{\"x\":1}"})",
      R"({"event":"block_start","index":1,"type":"tool_use","id":"b","name":"g"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"{\"y\""})",
      R"({"event":"tool_args_delta","index":1,"partial_json":":2"})",
      R"({"event":"tool_args_delta","index":1,"partial_json":"}"})",
      R"({"event":"block_stop","index":0})",
      R"({"event":"block_stop","index":1})",
      R"({"event":"finish","reason":"end_turn"})",
      R"({"event":"message_stop"})",
  });
  EXPECT_EQ(evs, want);
}

TEST(OpenAIStreamDecoderChunks, ErrorMidStream) {
  const std::string typed = decode(
      {R"({"choices":[{"delta":{"content":"a"}}]})",
       R"({"error":{"type":"server_error","message":"boom"},"choices":[]})"});
  EXPECT_NE(
      typed.find(
          R"({"event":"error","message":"upstream error mid-stream: boom","retryable":true,)"
          R"("upstream_type":"server_error"})"),
      std::string::npos)
      << typed;
  EXPECT_NE(decode({R"({"error":"boom"})"})
                .find("upstream error mid-stream: unknown"),
            std::string::npos);
  // A null error is no error.
  EXPECT_EQ(decode({R"({"error":null,"choices":[{"delta":{"content":"a"}}]})",
                    "[DONE]"}),
            decode({R"({"choices":[{"delta":{"content":"a"}}]})", "[DONE]"}));
}

TEST(OpenAIStreamDecoderChunks, AnythingButOneValidObjectIsMalformed) {
  for (std::string_view chunk : {
           R"({"choices":[{"delta":{"content":"a"}}]}{"x":1})", // two objects
           R"({"choices":[{"delta":{"content":"a"}}]}})", // trailing garbage
           R"({"choices":[{"delta":{"content":"a"}}]} 1)",
           R"({"x":[1 2],"choices":[{"delta":{"content":"a"}}]})", // broken
                                                                   // fields the
                                                                   // decoder
                                                                   // skips
           R"({"x":tru,"choices":[{"delta":{"content":"a"}}]})",
           R"({"x":"\q","choices":[{"delta":{"content":"a"}}]})",
           R"({"x":01,"choices":[{"delta":{"content":"a"}}]})",
           R"({"x":1e999,"choices":[{"delta":{"content":"a"}}]})",
           R"({"x":{"a":1],"choices":[{"delta":{"content":"a"}}]})",
           R"({"choices":[{"delta":{"content":"a"}}],})",
           R"({"choices":[{"delta":{"content":"\ud800"}}]})", // a lone
                                                              // surrogate
           R"(["choices"])",
           R"("x")",
       }) {
    EXPECT_EQ(decode({chunk}), kMalformed) << chunk;
  }
  // Whitespace around the object is fine.
  EXPECT_EQ(
      decode({" {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\t ", "[DONE]"}),
      decode({R"({"choices":[{"delta":{"content":"a"}}]})", "[DONE]"}));
}

TEST(OpenAIStreamDecoderChunks, NestingBeyondTheParserLimitIsMalformed) {
  const auto nested = [](size_t depth) {
    return R"({"choices":[{"delta":{"content":"a"}}],"x":)" +
           std::string(depth, '[') + "1" + std::string(depth, ']') + "}";
  };
  EXPECT_NE(decode({nested(1000), "[DONE]"}), kMalformed);
  EXPECT_EQ(decode({nested(1100)}), kMalformed);
}

} // namespace
} // namespace gw
