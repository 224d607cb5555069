// Behaviour of the OpenAI chat dialect that the golden fixtures do not pin on their own.
#include <gtest/gtest.h>

#include <chrono>

#include "gw/dialects/openai_chat/openai_chat.h"

namespace gw {
namespace {

namespace json = boost::json;

ChatRequest parse_ok(std::string_view body) {
  auto r = openai_chat_dialect().parse(body);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ChatRequest{};
}

TEST(OpenAIChatParse, KeepsToolMessagesSeparateAndMarksStrings) {
  ChatRequest r = parse_ok(R"({"model":"m","messages":[
    {"role":"tool","tool_call_id":"a","content":"1"},
    {"role":"tool","tool_call_id":"b","content":"2"}]})");
  ASSERT_EQ(r.messages.size(), 2u);
  for (const auto& m : r.messages) {
    EXPECT_EQ(m.role, Role::User);
    ASSERT_EQ(m.content.size(), 1u);
    EXPECT_EQ(m.content[0].type, BlockType::ToolResult);
    EXPECT_TRUE(m.content_was_string);
  }
  EXPECT_EQ(r.messages[1].content[0].tool_use_id, "b");
  EXPECT_EQ(r.source, Dialect::OpenAIChat);
}

TEST(OpenAIChatParse, MaxCompletionTokensWinsOverMaxTokens) {
  ChatRequest r = parse_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
                               "max_tokens":10,"max_completion_tokens":20})");
  EXPECT_EQ(r.params.max_tokens, 20);
}

// A negative max_tokens would wrap the admission estimate (input + max_tokens as uint64) into a
// tiny tpm reservation, letting the request past its key's tokens-per-minute limit.
TEST(OpenAIChatParse, RejectsNegativeMaxTokens) {
  for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
    const std::string body = R"({"model":"m","messages":[{"role":"user","content":"x"}],")" +
                             std::string(field) + R"(":-5})";
    auto r = openai_chat_dialect().parse(body);
    ASSERT_FALSE(r.has_value()) << field;
    EXPECT_EQ(r.error().code, Code::InvalidRequest) << field;
    EXPECT_EQ(r.error().param, field);
  }
}

TEST(OpenAIChatParse, IncludeUsageOnlyCountsWhenStreaming) {
  EXPECT_FALSE(parse_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],
                            "stream_options":{"include_usage":true}})").include_usage);
  ChatRequest r = parse_ok(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,
                               "stream_options":{"include_usage":true}})");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
}

TEST(OpenAIChatParse, DataUrlsBecomeBase64Sources) {
  ChatRequest r = parse_ok(R"({"model":"m","messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}]})");
  const auto& b = r.messages[0].content[0];
  EXPECT_EQ(b.type, BlockType::Image);
  EXPECT_EQ(b.source.kind, MediaSource::Kind::Base64);
  EXPECT_EQ(b.source.media_type, "image/jpeg");
  EXPECT_EQ(b.source.data, "/9j/4AAQ");
  EXPECT_FALSE(r.messages[0].content_was_string);
}

TEST(OpenAIChatParse, RejectsMalformedBodies) {
  for (std::string_view body : {"", "not json", "[1,2]", "{\"model\":\"m\",\"messages\":[]}",
                                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}"}) {
    auto r = openai_chat_dialect().parse(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, Code::InvalidRequest) << body;
    EXPECT_EQ(r.error().http_status(), 400u);
  }
}

TEST(OpenAIChatRender, UsesTheClockAndTheRequestedModel) {
  ManualClock clock;
  auto dialect = openai::make_openai_chat_dialect(clock);
  ChatRequest req;
  req.model = "alias";
  ChatResponse resp;
  resp.id = "msg_1";
  resp.model = "upstream-model";
  resp.content.push_back(ContentBlock::make_text("a"));
  ContentBlock think;
  think.type = BlockType::Thinking;
  think.text = "secret thoughts";
  resp.content.push_back(think);
  resp.content.push_back(ContentBlock::make_text("b"));
  resp.usage = Usage{10, 5, 3, 2, 1};
  json::value v = json::parse(dialect->render(resp, req));
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  EXPECT_EQ(v.at("created"), json::value(now));
  EXPECT_EQ(v.at("id"), json::value("chatcmpl-msg_1"));
  EXPECT_EQ(v.at("model"), json::value("alias"));
  EXPECT_EQ(v.at("choices").at(0).at("message").at("content"), json::value("ab"));
  const auto& u = v.at("usage");
  EXPECT_EQ(u.at("prompt_tokens"), json::value(15));  // input + cache_read + cache_write
  EXPECT_EQ(u.at("completion_tokens"), json::value(5));
  EXPECT_EQ(u.at("total_tokens"), json::value(20));
  EXPECT_EQ(u.at("prompt_tokens_details").at("cached_tokens"), json::value(3));
  EXPECT_EQ(u.at("completion_tokens_details").at("reasoning_tokens"), json::value(1));
}

TEST(OpenAIChatRender, FinishReasons) {
  EXPECT_EQ(openai::finish_reason_of(StopReason::EndTurn), "stop");
  EXPECT_EQ(openai::finish_reason_of(StopReason::StopSequence), "stop");
  EXPECT_EQ(openai::finish_reason_of(StopReason::PauseTurn), "stop");
  EXPECT_EQ(openai::finish_reason_of(StopReason::MaxTokens), "length");
  EXPECT_EQ(openai::finish_reason_of(StopReason::ToolUse), "tool_calls");
  EXPECT_EQ(openai::finish_reason_of(StopReason::Refusal), "content_filter");
  EXPECT_EQ(openai::finish_reason_of(StopReason::Malformed), "stop");  // Converse malformed_tool_use
}

struct ErrorCase {
  Code code;
  unsigned status;
  const char* type;
  const char* code_field;  // nullptr: JSON null
};

TEST(OpenAIChatRenderError, EveryCodeMapsToStatusTypeAndCode) {
  const ErrorCase cases[] = {
      {Code::InvalidRequest, 400, "invalid_request_error", nullptr},
      {Code::Unauthenticated, 401, "authentication_error", "invalid_api_key"},
      {Code::PermissionDenied, 403, "permission_error", nullptr},
      {Code::NotFound, 404, "invalid_request_error", nullptr},
      {Code::ModelNotFound, 404, "invalid_request_error", "model_not_found"},
      {Code::PayloadTooLarge, 413, "invalid_request_error", nullptr},
      {Code::RateLimited, 429, "rate_limit_error", "rate_limit_exceeded"},
      {Code::BudgetExceeded, 429, "rate_limit_error", "insufficient_quota"},
      {Code::UpstreamOverloaded, 503, "server_error", nullptr},
      {Code::UpstreamTimeout, 504, "server_error", nullptr},
      {Code::UpstreamUnavailable, 503, "server_error", nullptr},
      {Code::UpstreamError, 502, "server_error", nullptr},
      {Code::Internal, 500, "server_error", nullptr},
      {Code::Unavailable, 503, "server_error", nullptr},
  };
  for (const auto& c : cases) {
    Error e = make_error(c.code, "boom");
    ClientReply r = openai_chat_dialect().render_error(e);
    EXPECT_EQ(r.status, c.status) << e.code_name();
    EXPECT_EQ(find_header(r.headers, "content-type"), "application/json");
    json::value v = json::parse(r.body);
    EXPECT_EQ(v.at("error").at("message"), json::value("boom"));
    EXPECT_EQ(v.at("error").at("type"), json::value(c.type)) << e.code_name();
    EXPECT_EQ(v.at("error").at("param"), json::value(nullptr));
    EXPECT_EQ(v.at("error").at("code"), c.code_field ? json::value(c.code_field) : json::value(nullptr))
        << e.code_name();
  }
  Error rejected = make_error(Code::UpstreamRejected, "too long");
  rejected.upstream_status = 422;
  rejected.param = "messages";
  ClientReply r = openai_chat_dialect().render_error(rejected);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(json::parse(r.body).at("error").at("param"), json::value("messages"));
  EXPECT_EQ(json::parse(r.body).at("error").at("code"), json::value(nullptr));

  // An upstream's 404 (Anthropic not_found_error, Bedrock ResourceNotFoundException, Vertex
  // NOT_FOUND) means its model is unknown there: OpenAI's code for that (protocols.md 3.8).
  Error missing = make_error(Code::UpstreamRejected, "no such model");
  missing.upstream_status = 404;
  r = openai_chat_dialect().render_error(missing);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(json::parse(r.body).at("error").at("type"), json::value("invalid_request_error"));
  EXPECT_EQ(json::parse(r.body).at("error").at("code"), json::value("model_not_found"));
}

std::string run(StreamEncoder& enc, const std::vector<StreamEvent>& evs) {
  std::string out;
  for (const auto& e : evs) {
    out += enc.encode(e);
  }
  return out;
}

TEST(OpenAIChatStream, NoUsageLeaksWhenTheClientDidNotAsk) {
  ChatRequest req;
  req.model = "m";
  req.stream = true;
  auto enc = openai_chat_dialect().stream_encoder(req);
  std::string out = run(*enc, {MessageStart{"x", "up", Usage{5, 0, 0, 0, 0}}, BlockStart{0, BlockType::Text, {}, {}, {}},
                               TextDelta{0, "hi"}, BlockStop{0}, Finish{StopReason::EndTurn, {}},
                               UsageUpdate{Usage{5, 2, 0, 0, 0}}, MessageStop{}});
  EXPECT_EQ(out.find("usage"), std::string::npos) << out;
  EXPECT_NE(out.find("\"content\":\"hi\""), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 14), "data: [DONE]\n\n");
}

TEST(OpenAIChatStream, ErrorEndsTheStreamWithoutDone) {
  ChatRequest req;
  req.model = "m";
  req.stream = true;
  req.include_usage = true;
  auto enc = openai_chat_dialect().stream_encoder(req);
  std::string out = run(*enc, {MessageStart{}, TextDelta{0, "a"},
                               StreamError{make_error(Code::UpstreamError, "upstream broke")}});
  EXPECT_NE(out.find("data: {\"error\":{\"message\":\"upstream broke\""), std::string::npos) << out;
  EXPECT_EQ(enc->encode(MessageStop{}), "");
  EXPECT_EQ(enc->encode(TextDelta{0, "late"}), "");
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST(OpenAIChatStream, StartsEvenWithoutMessageStartAndFinishesOnStop) {
  ChatRequest req;
  req.model = "m";
  auto enc = openai_chat_dialect().stream_encoder(req);
  std::string out = run(*enc, {TextDelta{0, "x"}, MessageStop{}});
  const std::string first = out.substr(0, out.find("\n\n"));
  EXPECT_NE(first.find("\"role\":\"assistant\""), std::string::npos) << out;  // role chunk first
  EXPECT_NE(out.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_NE(out.find("[DONE]"), std::string::npos);
}

// Regression: the Anthropic translator emits a Finish for every message_delta that carries a
// stop_reason, so an upstream repeating message_delta gave the client two finish_reason chunks
// for its one choice. The first one stands.
TEST(OpenAIChatStream, OneFinishReasonPerStream) {
  ChatRequest req;
  req.model = "m";
  req.stream = true;
  auto enc = openai_chat_dialect().stream_encoder(req);
  std::string out = run(*enc, {MessageStart{}, TextDelta{0, "x"}, Finish{StopReason::MaxTokens, {}},
                               Finish{StopReason::EndTurn, {}}, MessageStop{}});
  size_t finishes = 0;
  for (size_t at = out.find("\"finish_reason\":\""); at != std::string::npos;
       at = out.find("\"finish_reason\":\"", at + 1)) {
    ++finishes;
  }
  EXPECT_EQ(finishes, 1u) << out;
  EXPECT_NE(out.find("\"finish_reason\":\"length\""), std::string::npos) << out;
}

TEST(OpenAIChatStream, ARefusalBlockStreamsAsDeltaRefusal) {
  ChatRequest req;
  req.model = "m";
  req.stream = true;
  auto enc = openai_chat_dialect().stream_encoder(req);
  BlockStart refusal{1, BlockType::Text, {}, {}, {}};
  refusal.refusal = true;
  std::string out = run(*enc, {MessageStart{}, BlockStart{0, BlockType::Text, {}, {}, {}}, TextDelta{0, "Sure"},
                               refusal, TextDelta{1, "I can't"}, BlockStop{1}, Finish{StopReason::EndTurn, {}},
                               MessageStop{}});
  EXPECT_NE(out.find(R"("delta":{"content":"Sure"})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("delta":{"refusal":"I can't"})"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("content":"I can't")"), std::string::npos) << out;
}

}  // namespace
}  // namespace gw
