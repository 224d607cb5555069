// The Anthropic Messages dialect: request parsing (every block kind, every error naming its
// field), the Message object, error shapes and statuses, and the SSE encoder's event sequence,
// including the re-ordering of interleaved canonical blocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "../provider_openai/canonical_json.h"
#include "gw/canonical/tool.h"
#include "gw/dialects/anthropic_messages/anthropic_messages.h"
#include "gw/dialects/anthropic_messages/tool_use_ids.h"

namespace gw {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace gw::testing;

const std::string kDir = std::string(GW_FIXTURES_DIR) + "/dialects/anthropic_messages";

json::object load(const std::string& path) { return json::parse(read_text(path)).as_object(); }

ChatRequest parse_ok(const json::value& body) {
  auto r = anthropic::parse_messages_request(json::serialize(body));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ChatRequest{};
}

// Every event of an SSE text as {event name, parsed data}.
std::vector<std::pair<std::string, json::object>> events_of(const std::string& sse) {
  SseReader reader;
  std::vector<SseEvent> evs;
  reader.feed(sse, evs);
  std::vector<std::pair<std::string, json::object>> out;
  for (const auto& e : evs) {
    out.emplace_back(e.event, json::parse(e.data).as_object());
  }
  return out;
}

TEST(AnthropicDialect, ErrorFixturesNameTheField) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().filename().string().rfind("error_", 0) != 0) {
      continue;
    }
    ++n;
    json::object fx = load(e.path().string());
    auto r = anthropic_messages_dialect().parse(json::serialize(fx.at("request")));
    ASSERT_FALSE(r.has_value()) << e.path();
    EXPECT_EQ(r.error().code, Code::InvalidRequest) << e.path();
    EXPECT_EQ(r.error().param, fx.at("expected_param").as_string()) << e.path();
    EXPECT_EQ(r.error().message.rfind(r.error().param + ": ", 0), 0u) << r.error().message;
  }
  EXPECT_GE(n, 20);
}

TEST(AnthropicDialect, RejectsBodiesThatAreNotJsonObjects) {
  for (std::string_view body : {"{\"model\":", "[]", "", "null"}) {
    auto r = anthropic_messages_dialect().parse(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().param, "body");
    EXPECT_EQ(anthropic_messages_dialect().render_error(r.error()).status, 400u);
  }
}

// POST /v1/messages/count_tokens: the Messages body without max_tokens (protocols.md 2.9).
TEST(AnthropicDialect, CountTokensBodiesNeedNoMaxTokens) {
  const std::string body = R"({"model":"claude","system":"S","messages":[{"role":"user","content":"hi"}],
      "tools":[{"name":"f","input_schema":{"type":"object"}}],"thinking":{"type":"enabled","budget_tokens":1024}})";
  auto messages = anthropic::parse_messages_request(body);
  ASSERT_FALSE(messages.has_value());  // /v1/messages still requires it
  EXPECT_EQ(messages.error().param, "max_tokens");

  auto r = anthropic::parse_count_tokens_request(body);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->model, "claude");
  EXPECT_EQ(r->source, Dialect::AnthropicMessages);
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].role, Role::System);
  EXPECT_EQ(r->tools.size(), 1u);
  EXPECT_TRUE(r->params.thinking.is_object());
  EXPECT_FALSE(r->params.max_tokens.has_value());
  EXPECT_FALSE(r->stream);

  // Sent anyway, max_tokens is parsed (and left out of the upstream count); stream never streams.
  auto with = anthropic::parse_count_tokens_request(
      R"({"model":"claude","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(with.has_value()) << with.error().message;
  EXPECT_EQ(with->params.max_tokens.value_or(0), 16);
  EXPECT_FALSE(with->stream);
}

TEST(AnthropicDialect, CountTokensErrorsNameTheField) {
  struct Case {
    std::string_view body;
    std::string_view param;
  };
  for (const Case& c : {Case{"{\"model\":", "body"}, Case{"[]", "body"},
                        Case{R"({"messages":[{"role":"user","content":"hi"}]})", "model"},
                        Case{R"({"model":"m"})", "messages"},
                        Case{R"({"model":"m","max_tokens":-1,"messages":[]})", "max_tokens"},
                        Case{R"({"model":"m","messages":[{"role":"robot","content":"x"}]})", "messages[0].role"}}) {
    auto r = anthropic::parse_count_tokens_request(c.body);
    ASSERT_FALSE(r.has_value()) << c.body;
    EXPECT_EQ(r.error().code, Code::InvalidRequest) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body;
    ClientReply reply = anthropic_messages_dialect().render_error(r.error());
    EXPECT_EQ(reply.status, 400u);
    EXPECT_EQ(json::parse(reply.body).at("error").at("type"), "invalid_request_error");
  }
}

TEST(AnthropicDialect, ParsesEveryFeature) {
  ChatRequest r = parse_ok(load(kDir + "/full.json").at("request"));
  EXPECT_EQ(r.source, Dialect::AnthropicMessages);
  EXPECT_EQ(r.model, "claude-sonnet");
  ASSERT_EQ(r.messages.size(), 4u);
  // system blocks -> a System message at the front, cache_control kept
  EXPECT_EQ(r.messages[0].role, Role::System);
  EXPECT_FALSE(r.messages[0].content_was_string);
  EXPECT_EQ(r.messages[0].content[0].text, "Be brief.");
  EXPECT_TRUE(r.messages[0].content[0].extra.contains("cache_control"));

  const auto& user = r.messages[1].content;
  ASSERT_EQ(user.size(), 5u);
  EXPECT_EQ(user[0].extra.at("cache_control").at("ttl"), "5m");
  EXPECT_EQ(user[1].type, BlockType::Image);
  EXPECT_EQ(user[1].source.kind, MediaSource::Kind::Base64);
  EXPECT_EQ(user[1].source.media_type, "image/png");
  EXPECT_EQ(user[1].source.data, "iVBORw0KGgo=");
  EXPECT_EQ(user[2].source.kind, MediaSource::Kind::Url);
  EXPECT_EQ(user[2].source.url, "https://example.com/cat.png");
  EXPECT_EQ(user[3].type, BlockType::Document);
  EXPECT_EQ(user[3].extra.at("title"), "a.pdf");
  EXPECT_EQ(user[4].source.media_type, "text/plain");
  EXPECT_EQ(user[4].extra.at("source").at("type"), "text");  // travels verbatim

  const auto& asst = r.messages[2].content;
  EXPECT_EQ(r.messages[2].role, Role::Assistant);
  EXPECT_EQ(asst[0].type, BlockType::Thinking);
  EXPECT_EQ(asst[0].text, "Let me think...");
  EXPECT_EQ(asst[0].signature, "EqQBCgIYAhIM");
  EXPECT_EQ(asst[1].type, BlockType::RedactedThinking);
  EXPECT_EQ(asst[1].text, "EmwKAhgBEgy3va3p");
  EXPECT_EQ(asst[3].type, BlockType::ToolUse);
  EXPECT_EQ(asst[3].id, "toolu_01A");
  EXPECT_EQ(asst[3].input, (json::value{{"city", "Paris"}}));

  const auto& res = r.messages[3].content[0];
  EXPECT_EQ(res.type, BlockType::ToolResult);
  EXPECT_EQ(res.tool_use_id, "toolu_01A");
  EXPECT_FALSE(res.is_error);
  ASSERT_EQ(res.content.size(), 2u);
  EXPECT_EQ(res.content[0].text, "18C");
  EXPECT_EQ(res.content[1].type, BlockType::Image);

  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_FALSE(gw::is_server_tool(r.tools[0]));
  EXPECT_TRUE(r.tools[0].extra.contains("cache_control"));
  EXPECT_TRUE(gw::is_server_tool(r.tools[1]));
  EXPECT_EQ(r.tools[1].name, "web_search");
  EXPECT_EQ(r.tools[1].extra.at("max_uses"), 3);

  EXPECT_EQ(r.tool_choice.kind, ToolChoice::Kind::Auto);
  EXPECT_TRUE(r.tool_choice.disable_parallel);
  EXPECT_EQ(r.params.max_tokens, 1024);
  EXPECT_EQ(r.params.temperature, 0.5);
  EXPECT_EQ(r.params.top_p, 0.9);
  EXPECT_EQ(r.params.top_k, 40);
  EXPECT_EQ(r.params.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r.params.user, "u-1");
  EXPECT_EQ(r.params.thinking.at("budget_tokens"), 2048);
  EXPECT_TRUE(r.stream);
  EXPECT_EQ(r.passthrough.size(), 2u);
  EXPECT_EQ(r.passthrough.at("service_tier"), "auto");
  EXPECT_TRUE(r.passthrough.contains("output_config"));
}

TEST(AnthropicDialect, StringContentAndToolChoiceForms) {
  ChatRequest r = parse_ok(json::parse(R"({"model":"m","max_tokens":0,"system":"S",
      "messages":[{"role":"user","content":"hi"},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok","is_error":true}]}],
      "tool_choice":{"type":"tool","name":"f"}})"));
  EXPECT_EQ(r.params.max_tokens, 0);  // allowed: warms the cache only
  EXPECT_TRUE(r.messages[0].content_was_string);
  EXPECT_EQ(r.messages[0].content[0].text, "S");
  EXPECT_TRUE(r.messages[1].content_was_string);
  EXPECT_TRUE(r.messages[2].content[0].is_error);
  EXPECT_EQ(r.messages[2].content[0].content[0].text, "ok");
  EXPECT_EQ(r.tool_choice.kind, ToolChoice::Kind::Tool);
  EXPECT_EQ(r.tool_choice.name, "f");
  for (auto [type, kind] : {std::pair{"any", ToolChoice::Kind::Any}, {"none", ToolChoice::Kind::None},
                            {"auto", ToolChoice::Kind::Auto}}) {
    json::object body{{"model", "m"}, {"max_tokens", 1}, {"messages", json::array{}},
                      {"tool_choice", json::object{{"type", type}}}};
    EXPECT_EQ(parse_ok(body).tool_choice.kind, kind) << type;
  }
  // Other metadata keys are Anthropic's business: kept for an Anthropic upstream.
  ChatRequest m = parse_ok(json::parse(R"({"model":"m","max_tokens":1,"messages":[],"metadata":{"user_id":"u","x":1}})"));
  EXPECT_EQ(m.params.user, "u");
  EXPECT_EQ(m.passthrough.at("metadata"), (json::value{{"x", 1}}));
}

TEST(AnthropicDialect, RendersAMessageObject) {
  ChatRequest req;
  req.model = "claude-sonnet";
  ChatResponse resp;
  resp.id = "chatcmpl-9x";
  resp.model = "upstream-model";
  resp.content.push_back(ContentBlock::make_text("Let me check."));
  ContentBlock tu = ContentBlock::make_tool_use("call_1", "get_weather", json::object{{"city", "Paris"}});
  tu.extra["raw_arguments"] = "{bad";  // another dialect's extra: not for an Anthropic client
  resp.content.push_back(tu);
  resp.stop_reason = StopReason::ToolUse;
  resp.usage = Usage{472, 89, 5, 7, 0};
  json::value got = json::parse(anthropic_messages_dialect().render(resp, req));
  json::value want = json::parse(R"({"id":"msg_chatcmpl-9x","type":"message","role":"assistant",
      "model":"claude-sonnet","content":[{"type":"text","text":"Let me check."},
      {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}],
      "stop_reason":"tool_use","stop_sequence":null,
      "usage":{"input_tokens":472,"cache_creation_input_tokens":7,"cache_read_input_tokens":5,"output_tokens":89}})");
  EXPECT_EQ(got, want) << got;

  resp.id = "msg_bdrk_01";
  resp.stop_reason = StopReason::StopSequence;
  resp.stop_sequence = "END";
  got = json::parse(anthropic_messages_dialect().render(resp, req));
  EXPECT_EQ(got.at("id"), "msg_bdrk_01");
  EXPECT_EQ(got.at("stop_reason"), "stop_sequence");
  EXPECT_EQ(got.at("stop_sequence"), "END");
  resp.id.clear();
  got = json::parse(anthropic_messages_dialect().render(resp, req));
  EXPECT_EQ(std::string(got.at("id").as_string()).substr(0, 4), "msg_");
  EXPECT_GT(got.at("id").as_string().size(), 10u);
}

TEST(AnthropicDialect, StopReasonsMap) {
  EXPECT_EQ(anthropic::stop_reason_name(StopReason::EndTurn), "end_turn");
  EXPECT_EQ(anthropic::stop_reason_name(StopReason::MaxTokens), "max_tokens");
  EXPECT_EQ(anthropic::stop_reason_name(StopReason::Refusal), "refusal");
  EXPECT_EQ(anthropic::stop_reason_name(StopReason::PauseTurn), "pause_turn");
  EXPECT_EQ(anthropic::stop_reason_name(StopReason::Unknown), "end_turn");
}

// Regression: OpenAI (for a named tool_choice), vLLM and Ollama finish an answer that called tools
// with "stop"; an Anthropic client was told end_turn and its agent loop never ran the tools.
TEST(AnthropicDialect, AnAnswerThatCalledToolsStopsForToolUse) {
  ChatRequest req;
  req.model = "claude-sonnet";
  ChatResponse resp;
  resp.content.push_back(ContentBlock::make_tool_use("call_1", "get_weather", json::object{{"city", "Paris"}}));
  resp.stop_reason = StopReason::EndTurn;
  EXPECT_EQ(json::parse(anthropic_messages_dialect().render(resp, req)).at("stop_reason"), "tool_use");
  resp.stop_reason = StopReason::MaxTokens;  // cut short while calling: still max_tokens
  EXPECT_EQ(json::parse(anthropic_messages_dialect().render(resp, req)).at("stop_reason"), "max_tokens");
  resp.content = {ContentBlock::make_text("no tools")};
  resp.stop_reason = StopReason::EndTurn;
  EXPECT_EQ(json::parse(anthropic_messages_dialect().render(resp, req)).at("stop_reason"), "end_turn");

  auto enc = anthropic_messages_dialect().stream_encoder(req);
  std::string out;
  out += enc->encode(MessageStart{"msg_1", "up", Usage{}});
  out += enc->encode(BlockStart{0, BlockType::ToolUse, "call_1", "get_weather", {}});
  out += enc->encode(ToolArgsDelta{0, "{}"});
  out += enc->encode(BlockStop{0});
  out += enc->encode(Finish{StopReason::EndTurn, {}});
  out += enc->encode(MessageStop{});
  const auto evs = events_of(out);
  ASSERT_GE(evs.size(), 2u);
  EXPECT_EQ(evs[evs.size() - 2].second.at("delta").at("stop_reason"), "tool_use");
}

// Audit (bedrock.md finding 4): Converse's malformed_tool_use reached Anthropic clients as tool_use
// (the call the model flagged as broken was offered to run) but OpenAI clients as stop. Both get
// the end of the turn (protocols.md 3.4), streamed and not.
TEST(AnthropicDialect, AMalformedAnswerEndsTheTurnEvenWithToolCalls) {
  ChatRequest req;
  req.model = "claude-sonnet";
  ChatResponse resp;
  resp.content.push_back(ContentBlock::make_tool_use("call_1", "get_weather", json::object{}));
  resp.stop_reason = StopReason::Malformed;
  EXPECT_EQ(json::parse(anthropic_messages_dialect().render(resp, req)).at("stop_reason"), "end_turn");

  auto enc = anthropic_messages_dialect().stream_encoder(req);
  std::string out;
  out += enc->encode(MessageStart{"msg_1", "up", Usage{}});
  out += enc->encode(BlockStart{0, BlockType::ToolUse, "call_1", "get_weather", {}});
  out += enc->encode(ToolArgsDelta{0, "{"});
  out += enc->encode(BlockStop{0});
  out += enc->encode(Finish{StopReason::Malformed, {}});
  out += enc->encode(MessageStop{});
  const auto evs = events_of(out);
  ASSERT_GE(evs.size(), 2u);
  EXPECT_EQ(evs[evs.size() - 2].second.at("delta").at("stop_reason"), "end_turn");
}

// protocols.md 2.3 / B.13: OpenAI-compatible servers send ids like "functions.f:0", none, or one
// id for several calls; an Anthropic client sending such a call back to Anthropic gets a 400.
TEST(AnthropicDialect, ToolUseIdsAreValidAndUniqueWithinAMessage) {
  anthropic::ToolUseIds ids;
  EXPECT_EQ(ids.next("toolu_01A-b"), "toolu_01A-b");  // a valid id is kept
  EXPECT_EQ(ids.next("functions.get_weather:0"), "functions_get_weather_0");
  EXPECT_EQ(ids.next("dup"), "dup");
  EXPECT_EQ(ids.next("dup"), "dup_2");
  EXPECT_EQ(ids.next("dup"), "dup_3");
  const std::string fresh = ids.next("");
  EXPECT_EQ(fresh.substr(0, 6), "toolu_");
  EXPECT_GT(fresh.size(), 10u);

  ChatRequest req;
  req.model = "claude-sonnet";
  ChatResponse resp;
  resp.content.push_back(ContentBlock::make_tool_use("fn.a:1", "fa", json::object{}));
  resp.content.push_back(ContentBlock::make_tool_use("fn.a:1", "fb", json::object{}));
  resp.stop_reason = StopReason::ToolUse;
  const json::value got = json::parse(anthropic_messages_dialect().render(resp, req));
  EXPECT_EQ(got.at("content").at(0).at("id"), "fn_a_1");
  EXPECT_EQ(got.at("content").at(1).at("id"), "fn_a_1_2");

  auto enc = anthropic_messages_dialect().stream_encoder(req);
  std::string out;
  out += enc->encode(MessageStart{"msg_1", "up", Usage{}});
  out += enc->encode(BlockStart{0, BlockType::ToolUse, "dup", "fa", {}});
  out += enc->encode(BlockStop{0});
  out += enc->encode(BlockStart{1, BlockType::ToolUse, "dup", "fb", {}});
  out += enc->encode(BlockStop{1});
  out += enc->encode(Finish{StopReason::ToolUse, {}});
  out += enc->encode(MessageStop{});
  std::vector<std::string> started;
  for (const auto& [name, ev] : events_of(out)) {
    if (name == "content_block_start") {
      started.emplace_back(ev.at("content_block").at("id").as_string());
    }
  }
  EXPECT_EQ(started, (std::vector<std::string>{"dup", "dup_2"}));
}

TEST(AnthropicDialect, ErrorsHaveTheAnthropicShapeAndStatus) {
  struct Case {
    Code code;
    unsigned upstream;
    unsigned status;
    const char* type;
  };
  for (const Case& c : {Case{Code::InvalidRequest, 0, 400, "invalid_request_error"},
                        Case{Code::Unauthenticated, 0, 401, "authentication_error"},
                        Case{Code::PermissionDenied, 0, 403, "permission_error"},
                        Case{Code::NotFound, 0, 404, "not_found_error"},
                        Case{Code::ModelNotFound, 0, 404, "not_found_error"},
                        Case{Code::PayloadTooLarge, 0, 413, "request_too_large"},
                        Case{Code::RateLimited, 0, 429, "rate_limit_error"},
                        Case{Code::BudgetExceeded, 0, 429, "rate_limit_error"},
                        // 503 once failover is exhausted (contract.md), the body still overloaded_error
                        Case{Code::UpstreamOverloaded, 0, 503, "overloaded_error"},
                        Case{Code::UpstreamTimeout, 0, 504, "timeout_error"},
                        Case{Code::UpstreamUnavailable, 0, 503, "api_error"},
                        Case{Code::UpstreamError, 0, 502, "api_error"},
                        Case{Code::UpstreamRejected, 422, 422, "invalid_request_error"},
                        Case{Code::UpstreamRejected, 413, 413, "request_too_large"},
                        Case{Code::Internal, 0, 500, "api_error"}}) {
    Error e = make_error(c.code, "boom");
    e.upstream_status = c.upstream;
    ClientReply r = anthropic_messages_dialect().render_error(e);
    EXPECT_EQ(r.status, c.status) << e.code_name();
    EXPECT_EQ(find_header(r.headers, "content-type"), "application/json");
    json::value body = json::parse(r.body);
    EXPECT_EQ(body, (json::value{{"type", "error"}, {"error", {{"type", c.type}, {"message", "boom"}}}}))
        << e.code_name();
  }
}

TEST(AnthropicDialect, StreamsTheFullEventSequence) {
  ChatRequest req;
  req.model = "claude-sonnet";
  auto enc = anthropic_messages_dialect().stream_encoder(req);
  std::string out;
  out += enc->encode(MessageStart{"msg_1", "up", Usage{10, 1, 3, 2, 0}});
  out += enc->encode(BlockStart{0, BlockType::Thinking, {}, {}, {}});
  out += enc->encode(ThinkingDelta{0, "hmm", {}});
  out += enc->encode(ThinkingDelta{0, {}, "sig"});
  out += enc->encode(BlockStop{0});
  out += enc->encode(BlockStart{1, BlockType::Text, {}, {}, {}});
  out += enc->encode(TextDelta{1, "Hi"});
  out += enc->encode(BlockStop{1});
  out += enc->encode(Finish{StopReason::StopSequence, "END"});
  out += enc->encode(UsageUpdate{Usage{10, 20, 3, 2, 0}});
  out += enc->encode(MessageStop{});
  EXPECT_EQ(enc->encode(TextDelta{1, "late"}), "");
  auto evs = events_of(out);
  std::vector<std::string> names;
  for (const auto& [name, data] : evs) {
    names.push_back(name);
    EXPECT_EQ(data.at("type").as_string(), name);  // the event line names the JSON type
  }
  EXPECT_EQ(names, (std::vector<std::string>{"message_start", "ping", "content_block_start", "content_block_delta",
                                             "content_block_delta", "content_block_stop", "content_block_start",
                                             "content_block_delta", "content_block_stop", "message_delta",
                                             "message_stop"}));
  const auto& msg = evs[0].second.at("message").as_object();
  EXPECT_EQ(msg.at("id"), "msg_1");
  EXPECT_EQ(msg.at("model"), "claude-sonnet");
  EXPECT_EQ(msg.at("usage"), json::parse(R"({"input_tokens":10,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":1})"));
  EXPECT_EQ(evs[2].second.at("content_block"), json::parse(R"({"type":"thinking","thinking":"","signature":""})"));
  EXPECT_EQ(evs[4].second.at("delta"), json::parse(R"({"type":"signature_delta","signature":"sig"})"));
  EXPECT_EQ(evs[6].second.at("index"), 1);
  EXPECT_EQ(evs[9].second, json::parse(R"({"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},
      "usage":{"input_tokens":10,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":20}})"));
}

// Regression (parallel tool calls from an OpenAI upstream): canonical blocks interleave, Anthropic
// blocks may not, so the later block waits and comes out whole and in order.
TEST(AnthropicDialect, InterleavedBlocksAreSerialized) {
  ChatRequest req;
  req.model = "m";
  auto enc = anthropic::make_messages_stream_encoder(req);
  std::string out;
  out += enc->encode(MessageStart{"x", "m", {}});
  out += enc->encode(BlockStart{0, BlockType::ToolUse, "call_a", "fa", {}});
  out += enc->encode(BlockStart{1, BlockType::ToolUse, "call_b", "fb", {}});
  out += enc->encode(ToolArgsDelta{1, "{\"b\":"});
  out += enc->encode(ToolArgsDelta{0, "{\"a\":1}"});
  out += enc->encode(BlockStart{2, BlockType::ToolUse, "call_c", "fc", {}});
  out += enc->encode(ToolArgsDelta{1, "2}"});
  out += enc->encode(BlockStop{1});
  out += enc->encode(Finish{StopReason::ToolUse, {}});  // closes 0, flushes 1 and 2 in order
  out += enc->encode(MessageStop{});
  std::vector<std::string> seq;
  for (const auto& [name, d] : events_of(out)) {
    if (name == "content_block_start") {
      seq.push_back("start" + std::to_string(d.at("index").as_int64()) + ":" +
                    std::string(d.at("content_block").at("id").as_string()));
    } else if (name == "content_block_delta") {
      seq.push_back("delta" + std::to_string(d.at("index").as_int64()) + ":" +
                    std::string(d.at("delta").at("partial_json").as_string()));
    } else if (name == "content_block_stop") {
      seq.push_back("stop" + std::to_string(d.at("index").as_int64()));
    }
  }
  EXPECT_EQ(seq, (std::vector<std::string>{"start0:call_a", "delta0:{\"a\":1}", "stop0", "start1:call_b",
                                           "delta1:{\"b\":", "delta1:2}", "stop1", "start2:call_c", "stop2"}));
}

TEST(AnthropicDialect, StreamErrorIsTheLastEvent) {
  ChatRequest req;
  auto enc = anthropic::make_messages_stream_encoder(req);
  std::string out = enc->encode(MessageStart{});
  out += enc->encode(TextDelta{0, "partial"});  // no BlockStart: an implicit text block opens
  Error e = make_error(Code::UpstreamOverloaded, "Overloaded");
  out += enc->encode(StreamError{e});
  EXPECT_EQ(enc->encode(MessageStop{}), "");
  auto evs = events_of(out);
  ASSERT_GE(evs.size(), 4u);
  EXPECT_EQ(evs[2].first, "content_block_start");
  EXPECT_EQ(evs.back().first, "error");
  EXPECT_EQ(evs.back().second, json::parse(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
}

}  // namespace
}  // namespace gw
