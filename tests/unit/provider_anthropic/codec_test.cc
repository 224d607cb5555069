// The Anthropic codec: request encoding (addressing, credentials, the OpenAI -> Anthropic message
// algorithm of protocols.md 3.2, parameters), response and stream decoding, error classification.
#include <gtest/gtest.h>

#include "../provider_openai/canonical_json.h"
#include "gw/providers/anthropic/anthropic_codec.h"
#include "gw/providers/anthropic/messages_wire.h"
#include "gw/providers/anthropic/request_messages.h"

namespace gw {
namespace {

namespace json = boost::json;
using namespace gw::testing;

const std::string kFx = std::string(GW_FIXTURES_DIR) + "/providers/anthropic/";

config::Provider provider() {
  config::Provider p;
  p.name = "an-main";
  p.type = config::ProviderType::Anthropic;
  p.base_url = "https://api.anthropic.test/";
  p.api_key = "sk-ant-secret";
  return p;
}

config::Deployment deployment() {
  config::Deployment d;
  d.provider = "an-main";
  d.model = "claude-up";
  return d;
}

Message msg(Role role, std::vector<ContentBlock> blocks, bool was_string = false) {
  Message m;
  m.role = role;
  m.content = std::move(blocks);
  m.content_was_string = was_string;
  return m;
}
ContentBlock text(std::string t) { return ContentBlock::make_text(std::move(t)); }
ContentBlock tool_use(std::string id, std::string name, json::value input) {
  return ContentBlock::make_tool_use(std::move(id), std::move(name), std::move(input));
}
ContentBlock tool_result(std::string id, std::string t) {
  return ContentBlock::make_tool_result(std::move(id), std::move(t));
}

json::object encode_body(const ChatRequest& req, const config::Deployment& dep = deployment()) {
  auto r = anthropic::encode_request_body(req, dep, {});
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : json::object{};
}

std::vector<StreamEvent> decode_stream(const std::string& bytes, size_t split) {
  auto dec = anthropic::make_messages_stream_decoder("an-main");
  std::vector<StreamEvent> out;
  for (size_t i = 0; i < bytes.size(); i += split) {
    dec->feed(std::string_view(bytes).substr(i, split), out);
  }
  dec->finish(out);
  return out;
}

TEST(AnthropicCodec, AddressesAndAuthenticates) {
  config::Provider p = provider();
  auto codec = make_anthropic_codec(p);
  ChatRequest req;
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  req.anthropic_beta = "interleaved-thinking-2025-05-14";
  auto r = codec->encode(req, deployment());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->url, "https://api.anthropic.test/v1/messages");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(find_header(r->headers, "x-api-key"), "sk-ant-secret");
  EXPECT_EQ(find_header(r->headers, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(find_header(r->headers, "anthropic-beta"), "interleaved-thinking-2025-05-14");
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"model":"claude-up","messages":[{"role":"user","content":"hi"}],"max_tokens":4096})"));
  p.api_version = "2026-10-21";  // a request with no version of its own (from an OpenAI client)
  auto r2 = codec->encode(req, deployment());
  EXPECT_EQ(find_header(r2->headers, "anthropic-version"), "2026-10-21");
  // An Anthropic client's version goes on unchanged, whatever the provider's (protocols.md 2.10 (a)).
  req.anthropic_version = "2026-10-21";
  p.api_version = "2023-06-01";
  EXPECT_EQ(find_header(codec->encode(req, deployment())->headers, "anthropic-version"), "2026-10-21");
  req.anthropic_version = "2023-06-01";
  p.api_version = "2026-10-21";
  EXPECT_EQ(find_header(codec->encode(req, deployment())->headers, "anthropic-version"), "2023-06-01");
}

// POST /v1/messages/count_tokens (protocols.md 2.9): the headers of /v1/messages, the body without
// what only generation takes, the count from {"input_tokens": N}.
TEST(AnthropicCodec, CountTokensRequest) {
  config::Provider p = provider();
  p.headers["x-extra"] = "1";
  auto codec = make_anthropic_codec(p);
  ASSERT_TRUE(codec->can_count(deployment()));
  ChatRequest req;
  req.source = Dialect::AnthropicMessages;
  req.messages.push_back(msg(Role::System, {text("be brief")}, true));
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  req.tools.push_back(Tool{"get_weather", "Weather", json::parse(R"({"type":"object"})"), {}});
  req.params.max_tokens = 64;
  req.params.temperature = 0.2;
  req.params.top_k = 3;
  req.params.stop = {"END"};
  req.params.user = "u";
  req.params.thinking = json::parse(R"({"type":"enabled","budget_tokens":1024})");
  req.stream = true;
  req.anthropic_beta = "interleaved-thinking-2025-05-14";
  req.passthrough["output_config"] = json::object{{"effort", "low"}};
  auto r = codec->encode_count(req, deployment());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->url, "https://api.anthropic.test/v1/messages/count_tokens");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(find_header(r->headers, "x-api-key"), "sk-ant-secret");
  EXPECT_EQ(find_header(r->headers, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(find_header(r->headers, "anthropic-beta"), "interleaved-thinking-2025-05-14");
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  EXPECT_EQ(find_header(r->headers, "x-extra"), "1");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"model":"claude-up","system":"be brief",
      "messages":[{"role":"user","content":"hi"}],
      "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}],
      "thinking":{"type":"enabled","budget_tokens":1024},"output_config":{"effort":"low"}})"))
      << r->body;
}

TEST(AnthropicCodec, DecodesCountTokensAnswers) {
  const config::Provider p = provider();
  auto codec = make_anthropic_codec(p);
  auto n = codec->decode_count(UpstreamResponse{200, {}, R"({"input_tokens":2095})"});
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 2095u);
  for (std::string body : {R"({"input_tokens":"12"})", R"([{"input_tokens":1}])", "{", ""}) {
    auto bad = codec->decode_count(UpstreamResponse{200, {}, body});
    ASSERT_FALSE(bad.has_value()) << body;
    EXPECT_EQ(bad.error().code, Code::UpstreamError);
    EXPECT_EQ(bad.error().provider, "an-main");
  }
}

// protocols.md 3.2 on an OpenAI-shaped conversation.
TEST(AnthropicCodec, TranslatesAnOpenAIConversation) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;
  req.messages.push_back(msg(Role::System, {text("Be brief.")}, true));
  req.messages.push_back(msg(Role::Developer, {text("Use metric.")}, true));
  req.messages.push_back(msg(Role::User, {text("Weather and time?")}, true));
  ContentBlock th;
  th.type = BlockType::Thinking;
  th.text = "reasoning an OpenAI client cannot sign";
  req.messages.push_back(msg(Role::Assistant, {th, tool_use("functions.get_weather:0", "get_weather", json::object{{"city", "Paris"}}),
                                               tool_use("call/2", "get_time", json::object{})}));
  req.messages.push_back(msg(Role::User, {tool_result("functions.get_weather:0", "18C")}, true));
  req.messages.push_back(msg(Role::User, {tool_result("call/2", "noon")}, true));
  req.messages.push_back(msg(Role::User, {text("Thanks")}, true));
  Tool t{"get_weather", "Weather", json::object{{"type", "object"}}, json::object{{"strict", true}}};
  req.tools.push_back(t);
  req.tools.push_back(Tool{"get_time", "", nullptr, {}});
  req.params.temperature = 1.7;
  req.params.stop = {"END"};
  req.params.user = "u-9";
  req.params.parallel_tool_calls = false;
  req.stream = true;
  req.passthrough["seed"] = 7;  // OpenAI's: never reaches Anthropic
  json::object body = encode_body(req);
  json::value want = json::parse(R"({
    "model":"claude-up",
    "system":"Be brief.\n\nUse metric.",
    "messages":[
      {"role":"user","content":"Weather and time?"},
      {"role":"assistant","content":[
        {"type":"tool_use","id":"functions_get_weather_0","name":"get_weather","input":{"city":"Paris"}},
        {"type":"tool_use","id":"call_2","name":"get_time","input":{}}]},
      {"role":"user","content":[
        {"type":"tool_result","tool_use_id":"functions_get_weather_0","content":"18C"},
        {"type":"tool_result","tool_use_id":"call_2","content":"noon"},
        {"type":"text","text":"Thanks"}]}],
    "tools":[
      {"name":"get_weather","description":"Weather","input_schema":{"type":"object"}},
      {"name":"get_time","input_schema":{"type":"object","properties":{}}}],
    "tool_choice":{"type":"auto","disable_parallel_tool_use":true},
    "max_tokens":4096,
    "temperature":1.0,
    "stop_sequences":["END"],
    "metadata":{"user_id":"u-9"},
    "stream":true})");
  EXPECT_EQ(json::value(body), want) << json::serialize(body);
}

TEST(AnthropicCodec, SanitizedIdsStayUnique) {
  anthropic::ToolIdMap ids;
  EXPECT_EQ(ids.map("a.b"), "a_b");
  EXPECT_EQ(ids.map("a:b"), "a_b_2");
  EXPECT_EQ(ids.map("a.b"), "a_b");
  EXPECT_EQ(ids.map("toolu_ok-1"), "toolu_ok-1");
  EXPECT_EQ(ids.map(""), "toolu_empty");
}

// Some models number their calls per turn (Kimi's "functions.Bash:0"), so one id comes back in
// several assistant turns. The Messages API refuses a request whose tool_use ids repeat ("tool_use
// ids must be unique"): a reused id gets a fresh one, and its results follow it (protocols.md 3.2).
TEST(AnthropicCodec, ToolIdReusedInALaterTurnBecomesUnique) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;
  req.messages.push_back(msg(Role::User, {text("go")}, true));
  req.messages.push_back(msg(Role::Assistant, {tool_use("functions.Bash:0", "Bash", json::object{})}));
  req.messages.push_back(msg(Role::User, {tool_result("functions.Bash:0", "one")}, true));
  req.messages.push_back(msg(Role::Assistant, {tool_use("functions.Bash:0", "Bash", json::object{})}));
  req.messages.push_back(msg(Role::User, {tool_result("functions.Bash:0", "two")}, true));
  json::object body = encode_body(req);
  const json::array& m = body.at("messages").as_array();
  ASSERT_EQ(m.size(), 5u) << json::serialize(body);
  EXPECT_EQ(m[1].at("content").at(0).at("id"), "functions_Bash_0");
  EXPECT_EQ(m[2].at("content"), json::parse(R"([{"type":"tool_result","tool_use_id":"functions_Bash_0","content":"one"}])"));
  EXPECT_EQ(m[3].at("content").at(0).at("id"), "functions_Bash_0_2");
  EXPECT_EQ(m[4].at("content"), json::parse(R"([{"type":"tool_result","tool_use_id":"functions_Bash_0_2","content":"two"}])"));
}

TEST(AnthropicCodec, AnswersToolCallsLeftWithoutResults) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;
  req.messages.push_back(msg(Role::User, {text("go")}, true));
  req.messages.push_back(msg(Role::Assistant, {tool_use("c1", "f", json::object{}), tool_use("c2", "f", json::object{})}));
  req.messages.push_back(msg(Role::User, {tool_result("c2", "ok")}, true));
  json::object body = encode_body(req);
  const json::value want = json::parse(R"j([
      {"type":"tool_result","tool_use_id":"c1","content":"(no result)","is_error":true},
      {"type":"tool_result","tool_use_id":"c2","content":"ok"}])j");
  EXPECT_EQ(body.at("messages").at(2).at("content"), want);
}

// OpenAI accepts the common non-standard "data:image/jpg;base64,..."; the Messages API takes only
// image/jpeg, image/png, image/gif and image/webp (protocols.md 2.3) and would refuse the request.
TEST(AnthropicCodec, ImageJpgMediaTypeBecomesJpeg) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;
  ContentBlock img;
  img.type = BlockType::Image;
  img.source.kind = MediaSource::Kind::Base64;
  img.source.media_type = "image/jpg";
  img.source.data = "/9j/4AAQ";
  req.messages.push_back(msg(Role::User, {text("what is this?"), img}));
  json::object body = encode_body(req);
  EXPECT_EQ(body.at("messages").at(0).at("content").at(1),
            json::parse(R"({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}})"));
}

// OpenAI takes "parameters": {} for a tool without arguments; the Messages API wants an
// input_schema whose top level says "type": "object" (protocols.md 2.3) and refuses it otherwise.
TEST(AnthropicCodec, ToolSchemaWithoutTypeGetsTypeObject) {
  ChatRequest req;
  req.source = Dialect::OpenAIChat;
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  req.tools.push_back(Tool{"now", "", json::object{}, {}});
  req.tools.push_back(Tool{"f", "", json::object{{"properties", json::object{{"a", json::object{{"type", "string"}}}}}}, {}});
  req.tools.push_back(Tool{"g", "", json::object{{"type", "object"}, {"properties", json::object{}}}, {}});
  json::object body = encode_body(req);
  EXPECT_EQ(body.at("tools"), json::parse(R"([
      {"name":"now","input_schema":{"type":"object"}},
      {"name":"f","input_schema":{"properties":{"a":{"type":"string"}},"type":"object"}},
      {"name":"g","input_schema":{"type":"object","properties":{}}}])"));
}

TEST(AnthropicCodec, MaxTokensComesFromTheRequestThenTheDeployment) {
  ChatRequest req;
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  config::Deployment dep = deployment();
  dep.max_tokens_default = 1000;
  EXPECT_EQ(encode_body(req, dep).at("max_tokens"), 1000);
  req.params.max_tokens = 77;
  EXPECT_EQ(encode_body(req, dep).at("max_tokens"), 77);
}

TEST(AnthropicCodec, RefusesJsonResponseFormats) {
  ChatRequest req;
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  for (const char* rf : {R"({"type":"json_object"})", R"({"type":"json_schema","json_schema":{"name":"x","schema":{}}})"}) {
    req.params.response_format = json::parse(rf);
    auto r = anthropic::encode_request_body(req, deployment(), {});
    ASSERT_FALSE(r.has_value()) << rf;
    EXPECT_EQ(r.error().code, Code::InvalidRequest);
    EXPECT_EQ(r.error().param, "response_format");
  }
  req.params.response_format = json::parse(R"({"type":"text"})");
  EXPECT_TRUE(anthropic::encode_request_body(req, deployment(), {}).has_value());
}

TEST(AnthropicCodec, SameDialectKeepsThinkingExtrasAndUnknownFields) {
  ChatRequest req;
  req.source = Dialect::AnthropicMessages;
  ContentBlock sys = text("S");
  sys.extra["cache_control"] = json::object{{"type", "ephemeral"}};
  req.messages.push_back(msg(Role::System, {sys}));
  req.messages.push_back(msg(Role::User, {text("q")}));
  ContentBlock th;
  th.type = BlockType::Thinking;
  th.text = "t";
  th.signature = "sig";
  ContentBlock red;
  red.type = BlockType::RedactedThinking;
  red.text = "opaque";
  req.messages.push_back(msg(Role::Assistant, {th, red, tool_use("toolu_1", "f", json::object{})}));
  ContentBlock res = tool_result("toolu_1", "r");
  res.is_error = true;
  res.extra["cache_control"] = json::object{{"type", "ephemeral"}};
  req.messages.push_back(msg(Role::User, {res}));
  req.tools.push_back(Tool{"web_search", "", nullptr, json::object{{"type", "web_search_20250305"}, {"max_uses", 2}}});
  req.tool_choice.kind = ToolChoice::Kind::Any;
  req.params.max_tokens = 5;
  req.params.top_k = 3;
  req.params.thinking = json::parse(R"({"type":"enabled","budget_tokens":1024})");
  req.params.user = "u";
  req.passthrough["metadata"] = json::object{{"x", 1}};
  req.passthrough["service_tier"] = "auto";
  json::value want = json::parse(R"({
    "model":"claude-up",
    "system":[{"type":"text","text":"S","cache_control":{"type":"ephemeral"}}],
    "messages":[
      {"role":"user","content":[{"type":"text","text":"q"}]},
      {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"sig"},
        {"type":"redacted_thinking","data":"opaque"},{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"r","is_error":true,
        "cache_control":{"type":"ephemeral"}}]}],
    "tools":[{"name":"web_search","type":"web_search_20250305","max_uses":2}],
    "tool_choice":{"type":"any"},
    "max_tokens":5,"top_k":3,"metadata":{"x":1,"user_id":"u"},
    "thinking":{"type":"enabled","budget_tokens":1024},
    "service_tier":"auto"})");
  EXPECT_EQ(json::value(encode_body(req)), want) << json::serialize(encode_body(req));
}

TEST(AnthropicCodec, BodyOptionsForBedrockAndVertex) {
  ChatRequest req;
  req.messages.push_back(msg(Role::User, {text("hi")}, true));
  req.stream = true;
  req.anthropic_beta = "a-1, b-2";
  anthropic::BodyOptions opts;
  opts.include_model = false;
  opts.anthropic_version = "bedrock-2023-05-31";
  opts.betas_in_body = true;
  opts.include_stream_flag = false;
  auto r = anthropic::encode_request_body(req, deployment(), opts);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->contains("model"));
  EXPECT_FALSE(r->contains("stream"));
  EXPECT_EQ(r->at("anthropic_version"), "bedrock-2023-05-31");
  EXPECT_EQ(r->at("anthropic_beta"), json::parse(R"(["a-1","b-2"])"));
}

TEST(AnthropicCodec, DecodesAResponse) {
  config::Provider p = provider();
  auto codec = make_anthropic_codec(p);
  auto r = codec->decode(UpstreamResponse{200, {}, read_text(kFx + "response_text_tool.json")});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->id, "msg_01XFDUDYJgAACzvnptvVoYEL");
  EXPECT_EQ(r->model, "claude-sonnet-4-20250514");
  ASSERT_EQ(r->content.size(), 2u);  // the server_tool_use block has no canonical form
  EXPECT_EQ(r->content[0].text, "Let me check.");
  EXPECT_EQ(r->content[1].input, (json::value{{"city", "Paris"}}));
  EXPECT_EQ(r->stop_reason, StopReason::ToolUse);
  EXPECT_EQ(r->usage, (Usage{472, 89, 9, 3, 0}));
  auto bad = codec->decode(UpstreamResponse{200, {}, "{\"type\":\"message\""});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().provider, "an-main");
  EXPECT_EQ(anthropic::decode_response_body(R"({"content":[],"stop_reason":"model_context_window_exceeded"})")->stop_reason,
            StopReason::MaxTokens);
}

// usage.cache_creation splits the cache writes by lifetime; the one-hour share is priced apart.
TEST(AnthropicCodec, ReadsTheOneHourShareOfCacheWrites) {
  auto r = anthropic::decode_response_body(
      R"({"content":[],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":7,)"
      R"("cache_creation_input_tokens":30,"cache_read_input_tokens":0,)"
      R"("cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":20}}})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->usage.cache_write, 30u);
  EXPECT_EQ(r->usage.cache_write_1h, 20u);
  auto evs = decode_stream(
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[],"
      "\"usage\":{\"input_tokens\":5,\"output_tokens\":1,\"cache_creation_input_tokens\":30,"
      "\"cache_creation\":{\"ephemeral_5m_input_tokens\":10,\"ephemeral_1h_input_tokens\":20}}}}\n\n",
      9);
  ASSERT_FALSE(evs.empty());
  ASSERT_TRUE(std::holds_alternative<MessageStart>(evs[0]));
  EXPECT_EQ(std::get<MessageStart>(evs[0]).usage.cache_write_1h, 20u);
}

TEST(AnthropicCodec, DecodesTheVectorStreamAtAnySplit) {
  const std::string bytes = read_text(std::string(GW_VECTORS_DIR) + "/anthropic_upstream_text_tool.sse");
  ASSERT_FALSE(bytes.empty());
  auto whole = decode_stream(bytes, bytes.size());
  for (size_t split : {1, 2, 7, 64}) {
    EXPECT_EQ(events_json(decode_stream(bytes, split)), events_json(whole)) << split;
  }
  ASSERT_TRUE(std::holds_alternative<MessageStart>(whole.front()));
  EXPECT_EQ(std::get<MessageStart>(whole.front()).usage.input, 472u);
  EXPECT_TRUE(std::holds_alternative<MessageStop>(whole.back()));
  std::string text;
  std::string args;
  for (const auto& e : whole) {
    if (auto* t = std::get_if<TextDelta>(&e)) {
      text += t->text;
    } else if (auto* a = std::get_if<ToolArgsDelta>(&e)) {
      EXPECT_EQ(a->index, 1u);
      args += a->partial_json;
    } else if (auto* f = std::get_if<Finish>(&e)) {
      EXPECT_EQ(f->reason, StopReason::ToolUse);
    } else if (auto* u = std::get_if<UsageUpdate>(&e)) {
      EXPECT_EQ(u->usage.output, 89u);
      EXPECT_EQ(u->usage.input, 472u);  // kept from message_start
    }
  }
  EXPECT_EQ(text, "Okay, let me check the weather.");
  EXPECT_EQ(json::parse(args), json::parse(R"({"location":"San Francisco, CA","unit":"fahrenheit"})"));
}

TEST(AnthropicCodec, DecodesThinkingSkipsServerBlocksAndUnknownEvents) {
  auto evs = decode_stream(read_text(kFx + "stream_thinking_server_tool.sse"), 5);
  json::value got = events_json(evs);
  json::value want = json::parse(R"([
    {"event":"message_start","id":"msg_th","model":"claude-x","usage":{"input":20,"output":1,"cache_read":6,"cache_write":4}},
    {"event":"block_start","index":0,"type":"thinking"},
    {"event":"thinking_delta","index":0,"thinking":"First, ...","signature":""},
    {"event":"thinking_delta","index":0,"thinking":"","signature":"EqQB"},
    {"event":"block_stop","index":0},
    {"event":"block_start","index":2,"type":"text"},
    {"event":"text_delta","index":2,"text":"Done."},
    {"event":"block_stop","index":2},
    {"event":"finish","reason":"end_turn"},
    {"event":"usage","usage":{"input":20,"output":30,"cache_read":6,"cache_write":4}},
    {"event":"message_stop"}])");
  EXPECT_EQ(got, want) << got;
}

TEST(AnthropicCodec, ErrorEventEndsTheStream) {
  auto evs = decode_stream(read_text(kFx + "stream_error.sse"), 3);
  ASSERT_TRUE(std::holds_alternative<StreamError>(evs.back()));
  const Error& e = std::get<StreamError>(evs.back()).error;
  EXPECT_EQ(e.code, Code::UpstreamOverloaded);
  EXPECT_EQ(e.upstream_type, "overloaded_error");
  EXPECT_EQ(e.provider, "an-main");
  size_t errors = 0;
  for (const auto& ev : evs) {
    errors += std::holds_alternative<StreamError>(ev) ? 1 : 0;
    if (auto* t = std::get_if<TextDelta>(&ev)) {
      EXPECT_EQ(t->text, "Hel");  // nothing after the error event
    }
  }
  EXPECT_EQ(errors, 1u);
}

// An in-stream invalid_request_error is the request's fault, as a 400 would have been: another
// deployment would refuse it too, and before any content the client gets a 400 reply.
TEST(AnthropicCodec, InStreamInvalidRequestIsTheRequestsFault) {
  auto evs = decode_stream(
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
      "\"message\":\"prompt is too long\"}}\n\n",
      7);
  ASSERT_EQ(evs.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<StreamError>(evs[0]));
  const Error& e = std::get<StreamError>(evs[0]).error;
  EXPECT_EQ(e.code, Code::UpstreamRejected);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status(), 400);
}

TEST(AnthropicCodec, StreamCutBeforeMessageStopIsAnError) {
  const std::string bytes = read_text(std::string(GW_VECTORS_DIR) + "/anthropic_upstream_text_tool.sse");
  auto evs = decode_stream(bytes.substr(0, bytes.find("event: message_stop")), 16);
  ASSERT_TRUE(std::holds_alternative<StreamError>(evs.back()));
  EXPECT_NE(std::get<StreamError>(evs.back()).error.message.find("message_stop"), std::string::npos);
  // Like a reset connection: if nothing reached the client yet, another deployment may do better.
  EXPECT_TRUE(std::get<StreamError>(evs.back()).error.retryable);
  auto garbage = decode_stream("data: {not json\n\n", 4);
  ASSERT_EQ(garbage.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<StreamError>(garbage[0]));
  EXPECT_TRUE(std::get<StreamError>(garbage[0]).error.retryable);  // the deployment's fault
}

TEST(AnthropicCodec, ClassifiesErrors) {
  config::Provider p = provider();
  auto codec = make_anthropic_codec(p);
  auto classify = [&](unsigned status, std::string body, Headers h = {}) {
    return codec->classify(UpstreamResponse{status, std::move(h), std::move(body)});
  };
  const std::string rl = R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"req_1"})";
  Error e = classify(429, rl, {{"retry-after", "17"}});
  EXPECT_EQ(e.code, Code::RateLimited);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after_s, 17);
  EXPECT_EQ(e.message, "slow down");
  EXPECT_EQ(e.upstream_type, "rate_limit_error");
  EXPECT_EQ(e.provider, "an-main");

  e = classify(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(e.code, Code::UpstreamOverloaded);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.http_status(), 529u);

  e = classify(500, "<html>oops</html>");
  EXPECT_EQ(e.code, Code::UpstreamError);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.message, "provider an-main answered HTTP 500");

  e = classify(504, "");
  EXPECT_EQ(e.code, Code::UpstreamTimeout);

  for (unsigned s : {401u, 403u}) {
    e = classify(s, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-secret"}})");
    EXPECT_EQ(e.code, Code::UpstreamError) << s;
    EXPECT_FALSE(e.retryable);
    EXPECT_EQ(e.http_status(), 502u);
    EXPECT_NE(e.message.find("an-main"), std::string::npos);
    EXPECT_NE(e.message.find("credentials"), std::string::npos);
    EXPECT_EQ(e.message.find("sk-ant"), std::string::npos);
  }

  e = classify(400, R"({"type":"error","error":{"type":"invalid_request_error","message":"messages: text content blocks must be non-empty"}})");
  EXPECT_EQ(e.code, Code::UpstreamRejected);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.http_status(), 400u);
  EXPECT_EQ(e.message, "messages: text content blocks must be non-empty");
  EXPECT_EQ(classify(413, "").http_status(), 413u);
}

}  // namespace
}  // namespace gw
