// The Bedrock codec's requests against what the official SDKs send (bedrock_sdk_wire_requests.json,
// compared as parsed JSON), which API each model takes, and the decoding of both APIs' answers.
#include "gw/providers/bedrock/bedrock_codec.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gw/providers/bedrock/bedrock_wire.h"
#include "test_util.h"

namespace gw::bedrock {
namespace {

namespace json = boost::json;
using testing::fixture_file;
using testing::parse_json;
using testing::vector_file;
using testing::deployment;
using testing::provider;

const json::object& sdk(std::string_view op) {
  static const json::value all = parse_json(vector_file("bedrock_sdk_wire_requests.json"));
  return all.at("aws_sdk_client_bedrock_runtime_3.1164.0").at(op).as_object();
}


Message user_text(std::string text, bool as_string) {
  Message m;
  m.role = Role::User;
  m.content.push_back(ContentBlock::make_text(std::move(text)));
  m.content_was_string = as_string;
  return m;
}

ChatRequest hello(Dialect source, std::optional<int64_t> max_tokens = 256) {
  ChatRequest r;
  r.source = source;
  r.model = "claude-sonnet";
  r.messages.push_back(user_text("Hello", source == Dialect::AnthropicMessages));
  r.params.max_tokens = max_tokens;
  return r;
}

std::string path_of(const std::string& url) {
  const std::string host = "https://bedrock-runtime.us-east-1.amazonaws.com";
  EXPECT_EQ(url.substr(0, host.size()), host);
  return url.substr(host.size());
}

TEST(BedrockCodec, InvokeModelMatchesTheAwsSdk) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  const auto& want = sdk("InvokeModel");
  auto r = codec->encode(hello(Dialect::AnthropicMessages), deployment("us.anthropic.claude-sonnet-4-20250514-v1:0"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(path_of(r->url), want.at("path").as_string());
  EXPECT_EQ(parse_json(r->body), parse_json(want.at("body").as_string()));
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  EXPECT_EQ(find_header(r->headers, "accept"), "application/json");
  EXPECT_TRUE(find_header(r->headers, "authorization").empty());  // the signer's job
}

TEST(BedrockCodec, InvokeModelWithResponseStreamMatchesTheAwsSdk) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  const auto& want = sdk("InvokeModelWithResponseStream");
  ChatRequest req = hello(Dialect::AnthropicMessages);
  req.stream = true;
  auto r = codec->encode(req, deployment("anthropic.claude-3-5-sonnet-20240620-v1:0"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(path_of(r->url), want.at("path").as_string());
  EXPECT_EQ(parse_json(r->body), parse_json(want.at("body").as_string()));  // no "stream" key
  EXPECT_EQ(find_header(r->headers, "x-amzn-bedrock-accept"), "application/json");
  EXPECT_EQ(find_header(r->headers, "accept"), "application/vnd.amazon.eventstream");
}

TEST(BedrockCodec, BetasGoInTheBodyLikeTheAnthropicBedrockSdk) {
  static const json::value all = parse_json(vector_file("bedrock_sdk_wire_requests.json"));
  const auto& want = all.at("anthropic_bedrock_sdk_0.26.0_InvokeModel_with_beta_header").as_object();
  ChatRequest req = hello(Dialect::AnthropicMessages);
  req.anthropic_beta = "interleaved-thinking-2025-05-14";
  auto body = encode_invoke_body(req, deployment("us.anthropic.claude-sonnet-4-20250514-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(json::value(*body), parse_json(want.at("body").as_string()));
}

TEST(BedrockCodec, InvokeBodyKeepsOnlyUserIdInMetadata) {
  ChatRequest req = hello(Dialect::AnthropicMessages);
  req.passthrough["metadata"] = json::object{{"user_id", "u-1"}, {"session", "s"}};
  req.passthrough["stream"] = true;
  auto body = encode_invoke_body(req, deployment("anthropic.claude-3-haiku-20240307-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->at("metadata"), (json::object{{"user_id", "u-1"}}));
  EXPECT_FALSE(body->contains("stream"));
  EXPECT_FALSE(body->contains("model"));

  req.passthrough["metadata"] = json::object{{"session", "s"}};
  body = encode_invoke_body(req, deployment("anthropic.claude-3-haiku-20240307-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_FALSE(body->contains("metadata"));
}

// Audit (bedrock.md finding 1): top-level fields only the Anthropic API has reached InvokeModel,
// which refuses any key it does not know with a 400 that could not be failed over.
TEST(BedrockCodec, InvokeBodyDropsFieldsInvokeModelRefuses) {
  ChatRequest req = hello(Dialect::AnthropicMessages);
  for (const char* k : {"service_tier", "inference_geo", "container", "context_management", "mcp_servers",
                        "output_format", "foo"}) {
    req.passthrough[k] = "x";
  }
  req.passthrough["output_config"] = json::object{{"effort", "low"}};  // Bedrock takes this one
  req.params.top_k = 5;
  req.params.thinking = json::object{{"type", "enabled"}, {"budget_tokens", 1024}};
  auto body = encode_invoke_body(req, deployment("anthropic.claude-3-haiku-20240307-v1:0"));
  ASSERT_TRUE(body.has_value());
  std::vector<std::string> keys;
  for (const auto& kv : *body) {
    keys.emplace_back(kv.key());
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"anthropic_version", "max_tokens", "messages", "output_config",
                                            "thinking", "top_k"}));
  EXPECT_EQ(body->at("output_config"), (json::object{{"effort", "low"}}));
}

TEST(BedrockCodec, ConverseBodiesMatchTheAwsSdk) {
  auto plain = encode_converse_body(hello(Dialect::OpenAIChat), deployment("amazon.nova-pro-v1:0"));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(json::value(*plain), parse_json(sdk("Converse").at("body").as_string()));

  auto bare = encode_converse_body(hello(Dialect::OpenAIChat, std::nullopt), deployment("amazon.nova-pro-v1:0"));
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(json::value(*bare), parse_json(sdk("ConverseStream_with_inference_profile_ARN").at("body").as_string()));
}

TEST(BedrockCodec, ConverseFullFeaturedBody) {
  ChatRequest req;
  req.source = Dialect::AnthropicMessages;
  Message sys;
  sys.role = Role::System;
  sys.content.push_back(ContentBlock::make_text("Be brief."));
  sys.content.back().extra["cache_control"] = json::object{{"type", "ephemeral"}};
  req.messages.push_back(sys);
  Message u1 = user_text("Weather in Paris?", false);
  ContentBlock img;
  img.type = BlockType::Image;
  img.source.media_type = "image/png";
  img.source.data = "iVBORw==";
  u1.content.push_back(img);
  req.messages.push_back(u1);
  Message a;
  a.role = Role::Assistant;
  a.content.push_back(ContentBlock::make_text("Checking."));
  a.content.push_back(ContentBlock::make_tool_use("tooluse_abc", "get_weather", json::object{{"city", "Paris"}}));
  req.messages.push_back(a);
  Message u2;
  u2.role = Role::User;
  u2.content.push_back(ContentBlock::make_tool_result("tooluse_abc", R"({"temp_c":18})"));
  req.messages.push_back(u2);
  Tool t;
  t.name = "get_weather";
  t.description = "Get weather";
  t.input_schema = parse_json(R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})");
  req.tools.push_back(t);
  req.tool_choice.kind = ToolChoice::Kind::Auto;
  req.params.max_tokens = 512;
  req.params.temperature = 0.5;
  req.params.top_p = 0.9;
  req.params.stop = {"END"};
  req.params.top_k = 50;
  req.params.thinking = json::object{{"type", "enabled"}, {"budget_tokens", 1024}};

  auto body = encode_converse_body(req, deployment("m"));
  ASSERT_TRUE(body.has_value()) << body.error().message;
  json::value want = parse_json(sdk("Converse_full_featured_body").at("body").as_string());
  // Two documented differences: the canonical model holds a tool result as text, not Converse's
  // {"json":...}; and the gateway does not ask for /stop_sequence, which only Anthropic models have.
  want.at("messages").at(2).at("content").at(0).at("toolResult").at("content") =
      json::array{json::object{{"text", R"({"temp_c":18})"}}};
  want.as_object().erase("additionalModelResponseFieldPaths");
  EXPECT_EQ(json::value(*body), want) << json::serialize(*body);
}

TEST(BedrockCodec, ConverseMergesTurnsAndRefusesWhatItCannotCarry) {
  ChatRequest req = hello(Dialect::OpenAIChat);
  req.messages.push_back(user_text("again", false));
  Message empty_assistant;
  empty_assistant.role = Role::Assistant;
  empty_assistant.content.push_back(ContentBlock::make_text(""));
  req.messages.push_back(empty_assistant);
  auto body = encode_converse_body(req, deployment("meta.llama3-70b-instruct-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->at("messages"), parse_json(R"([{"role":"user","content":[{"text":"Hello"},{"text":"again"}]}])"));

  ContentBlock url_img;
  url_img.type = BlockType::Image;
  url_img.source.kind = MediaSource::Kind::Url;
  url_img.source.url = "https://example.com/a.png";
  req.messages[0].content.push_back(url_img);
  auto refused = encode_converse_body(req, deployment("meta.llama3-70b-instruct-v1:0"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Code::InvalidRequest);
  EXPECT_EQ(refused.error().param, "messages[0].content[1]");
}

TEST(BedrockCodec, ConverseToolChoiceAndResponseFormat) {
  ChatRequest req = hello(Dialect::OpenAIChat);
  Tool t;
  t.name = "f";
  req.tools.push_back(t);
  req.tool_choice.kind = ToolChoice::Kind::Tool;
  req.tool_choice.name = "f";
  auto body = encode_converse_body(req, deployment("mistral.mistral-large-2407-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->at("toolConfig").at("toolChoice"), parse_json(R"({"tool":{"name":"f"}})"));
  EXPECT_EQ(body->at("toolConfig").at("tools").at(0).at("toolSpec").at("inputSchema"),
            parse_json(R"({"json":{"type":"object","properties":{}}})"));

  req.tool_choice.kind = ToolChoice::Kind::None;
  body = encode_converse_body(req, deployment("mistral.mistral-large-2407-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_FALSE(body->contains("toolConfig"));

  req.params.response_format = parse_json(R"({"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"}}})");
  body = encode_converse_body(req, deployment("mistral.mistral-large-2407-v1:0"));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->at("outputConfig"),
            parse_json(R"({"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"{\"type\":\"object\"}","name":"out"}}}})"));

  req.params.response_format = parse_json(R"({"type":"json_object"})");
  auto refused = encode_converse_body(req, deployment("mistral.mistral-large-2407-v1:0"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().param, "response_format");
}

// Converse refuses toolUse/toolResult blocks in a request without toolConfig ("The toolConfig field
// must be defined when using toolUse and toolResult content blocks"). With no tool declared (none
// given, or tool_choice "none" withholding them) the history's tool blocks travel as text.
TEST(BedrockCodec, ConverseToolHistoryWithoutToolConfigBecomesText) {
  ChatRequest req = hello(Dialect::OpenAIChat);
  Message call;
  call.role = Role::Assistant;
  call.content.push_back(ContentBlock::make_tool_use("call_1", "get_weather", json::object{{"city", "Paris"}}));
  req.messages.push_back(call);
  Message result;
  result.role = Role::User;
  result.content.push_back(ContentBlock::make_tool_result("call_1", "no such city", /*error=*/true));
  req.messages.push_back(result);
  const std::string model = "mistral.mistral-large-2407-v1:0";
  const json::value want_messages = parse_json(R"([
      {"role":"user","content":[{"text":"Hello"}]},
      {"role":"assistant","content":[{"text":"[called tool get_weather (id call_1) with {\"city\":\"Paris\"}]"}]},
      {"role":"user","content":[{"text":"[error from tool call call_1]"},{"text":"no such city"}]}])");

  auto body = encode_converse_body(req, deployment(model));  // no tools at all
  ASSERT_TRUE(body.has_value());
  EXPECT_FALSE(body->contains("toolConfig"));
  EXPECT_EQ(body->at("messages"), want_messages) << json::serialize(body->at("messages"));

  Tool t;
  t.name = "get_weather";
  req.tools.push_back(t);
  req.tool_choice.kind = ToolChoice::Kind::None;  // tools withheld: same as none given
  body = encode_converse_body(req, deployment(model));
  ASSERT_TRUE(body.has_value());
  EXPECT_FALSE(body->contains("toolConfig"));
  EXPECT_EQ(body->at("messages"), want_messages) << json::serialize(body->at("messages"));

  req.tool_choice.kind = ToolChoice::Kind::Auto;  // tools declared: the blocks stay structured
  body = encode_converse_body(req, deployment(model));
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(body->contains("toolConfig"));
  EXPECT_TRUE(body->at("messages").at(1).at("content").at(0).as_object().contains("toolUse"));
  EXPECT_TRUE(body->at("messages").at(2).at("content").at(0).as_object().contains("toolResult"));
}

TEST(BedrockCodec, ModelsPickTheirApiAndPath) {
  EXPECT_EQ(api_for("anthropic.claude-3-5-sonnet-20240620-v1:0"), Api::InvokeModel);
  EXPECT_EQ(api_for("us.anthropic.claude-sonnet-4-20250514-v1:0"), Api::InvokeModel);
  EXPECT_EQ(api_for("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"),
            Api::InvokeModel);
  EXPECT_EQ(api_for("amazon.nova-pro-v1:0"), Api::Converse);
  EXPECT_EQ(api_for("meta.llama3-1-70b-instruct-v1:0"), Api::Converse);
  EXPECT_EQ(api_for("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"), Api::Converse);

  const std::string arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
  const std::string want = std::string(sdk("ConverseStream_with_inference_profile_ARN").at("path").as_string());
  EXPECT_EQ("/model/" + encode_model_id(arn) + "/converse-stream", want);
  EXPECT_EQ(operation_path("amazon.nova-pro-v1:0", false), "/model/amazon.nova-pro-v1%3A0/converse");
  EXPECT_EQ(operation_path("amazon.nova-pro-v1:0", true), "/model/amazon.nova-pro-v1%3A0/converse-stream");

  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  ChatRequest req = hello(Dialect::OpenAIChat);
  req.stream = true;
  auto r = codec->encode(req, deployment("amazon.nova-pro-v1:0"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(path_of(r->url), "/model/amazon.nova-pro-v1%3A0/converse-stream");
  EXPECT_EQ(find_header(r->headers, "accept"), "application/vnd.amazon.eventstream");
  EXPECT_TRUE(find_header(r->headers, "x-amzn-bedrock-accept").empty());
  EXPECT_EQ(parse_json(r->body), parse_json(sdk("Converse").at("body").as_string()));
}

TEST(BedrockCodec, DecodesConverseAnswers) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  auto r = codec->decode(UpstreamResponse{200, {}, fixture_file("converse_response_tool_use.json")});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->content.size(), 3u);
  EXPECT_EQ(r->content[0].type, BlockType::Text);
  EXPECT_EQ(r->content[0].text, "Checking.");
  EXPECT_EQ(r->content[1].type, BlockType::Thinking);
  EXPECT_EQ(r->content[1].text, "User wants weather.");
  EXPECT_EQ(r->content[1].signature, "sig123");
  EXPECT_EQ(r->content[2].type, BlockType::ToolUse);
  EXPECT_EQ(r->content[2].id, "tooluse_abc");
  EXPECT_EQ(r->content[2].name, "get_weather");
  EXPECT_EQ(r->content[2].input, (json::object{{"city", "Paris"}}));
  EXPECT_EQ(r->stop_reason, StopReason::ToolUse);
  EXPECT_EQ(r->usage, (Usage{20, 12, 5, 7, 0}));

  auto bad = codec->decode(UpstreamResponse{200, {}, R"({"output":{}})"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().provider, "aws-east");
}

TEST(BedrockCodec, DecodesInvokeAnswersWithHeaderUsageAsFallback) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  const Headers counts = {{"X-Amzn-Bedrock-Input-Token-Count", "30"}, {"X-Amzn-Bedrock-Output-Token-Count", "9"}};
  auto r = codec->decode(UpstreamResponse{200, counts, fixture_file("invoke_response_text.json")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, "msg_bdrk_01XYZ");
  ASSERT_EQ(r->content.size(), 1u);
  EXPECT_EQ(r->content[0].text, "Hello there.");
  EXPECT_EQ(r->usage, (Usage{12, 4, 3, 0, 0}));  // the body wins when it has usage

  auto n = codec->decode(UpstreamResponse{200, counts, fixture_file("invoke_response_no_usage.json")});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->stop_reason, StopReason::MaxTokens);
  EXPECT_EQ(n->usage, (Usage{30, 9, 0, 0, 0}));
}

TEST(BedrockCodec, ConverseStopReasons) {
  EXPECT_EQ(converse_stop_reason("end_turn"), StopReason::EndTurn);
  EXPECT_EQ(converse_stop_reason("tool_use"), StopReason::ToolUse);
  EXPECT_EQ(converse_stop_reason("max_tokens"), StopReason::MaxTokens);
  EXPECT_EQ(converse_stop_reason("model_context_window_exceeded"), StopReason::MaxTokens);
  EXPECT_EQ(converse_stop_reason("stop_sequence"), StopReason::StopSequence);
  EXPECT_EQ(converse_stop_reason("guardrail_intervened"), StopReason::Refusal);
  EXPECT_EQ(converse_stop_reason("content_filtered"), StopReason::Refusal);
  EXPECT_EQ(converse_stop_reason("malformed_tool_use"), StopReason::Malformed);
  EXPECT_EQ(converse_stop_reason("malformed_model_output"), StopReason::Malformed);
  EXPECT_EQ(converse_stop_reason("some_later_reason"), StopReason::EndTurn);
}

// CountTokens (protocols.md 4.6) as the AWS SDK sends it: the InvokeModel body, base64, in
// {"input":{"invokeModel":{"body":...}}}, to /model/{id}/count-tokens.
TEST(BedrockCodec, CountTokensMatchesTheAwsSdk) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  const auto& want = sdk("CountTokens_invokeModel_variant");
  const auto dep = deployment("anthropic.claude-sonnet-4-20250514-v1:0");
  ASSERT_TRUE(codec->can_count(dep));
  auto r = codec->encode_count(hello(Dialect::AnthropicMessages, 16), dep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(path_of(r->url), want.at("path").as_string());
  EXPECT_EQ(find_header(r->headers, "content-type"), "application/json");
  EXPECT_TRUE(find_header(r->headers, "authorization").empty());  // the signer's job

  // The same envelope, and inside it the same InvokeModel body (compared parsed: key order is free).
  const json::value got = parse_json(r->body);
  const json::value sdk_body = parse_json(want.at("body").as_string());
  ASSERT_EQ(got.as_object().size(), 1u);
  ASSERT_EQ(got.at("input").as_object().size(), 1u);
  ASSERT_EQ(got.at("input").at("invokeModel").as_object().size(), 1u);
  auto inner = base64_decode(got.at("input").at("invokeModel").at("body").as_string());
  auto sdk_inner = base64_decode(sdk_body.at("input").at("invokeModel").at("body").as_string());
  ASSERT_TRUE(inner && sdk_inner);
  EXPECT_EQ(parse_json(*inner), parse_json(*sdk_inner));
}

TEST(BedrockCodec, CountTokensBodyIsTheInvokeModelBody) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  ChatRequest req = hello(Dialect::AnthropicMessages, std::nullopt);  // count_tokens sends none
  req.anthropic_beta = "token-efficient-tools-2025-02-19";
  const auto dep = deployment("us.anthropic.claude-sonnet-4-20250514-v1:0");
  auto r = codec->encode_count(req, dep);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(path_of(r->url), "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens");
  auto inner = base64_decode(parse_json(r->body).at("input").at("invokeModel").at("body").as_string());
  ASSERT_TRUE(inner);
  auto invoke = encode_invoke_body(req, dep);
  ASSERT_TRUE(invoke.has_value());
  EXPECT_EQ(parse_json(*inner), json::value(*invoke));
  // InvokeModel requires max_tokens, so the counted body carries one even when the client sent none.
  EXPECT_TRUE(parse_json(*inner).as_object().contains("max_tokens"));
  EXPECT_EQ(parse_json(*inner).at("anthropic_beta"), json::array{"token-efficient-tools-2025-02-19"});
}

TEST(BedrockCodec, CountsOnlyForAnthropicModels) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  const auto nova = deployment("amazon.nova-pro-v1:0");
  EXPECT_FALSE(codec->can_count(nova));
  auto r = codec->encode_count(hello(Dialect::AnthropicMessages), nova);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::InvalidRequest);
}

TEST(BedrockCodec, DecodesCountTokensAnswers) {
  const auto p = provider();
  auto codec = make_bedrock_codec(p);
  auto n = codec->decode_count(UpstreamResponse{200, {}, R"({"inputTokens":15})"});
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 15u);
  for (std::string body : {R"({"input_tokens":15})", R"({"inputTokens":-1})", "not json", ""}) {
    auto bad = codec->decode_count(UpstreamResponse{200, {}, body});
    ASSERT_FALSE(bad.has_value()) << body;
    EXPECT_EQ(bad.error().code, Code::UpstreamError);
    EXPECT_EQ(bad.error().provider, "aws-east");
  }
}

TEST(BedrockCodec, Base64EncodeRoundTrips) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode(std::string_view("\xff\xfe\x00", 3)), "//4A");
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  }
}

}  // namespace
}  // namespace gw::bedrock
