// Behaviour of the OpenAI and Azure OpenAI codecs that the golden fixtures do not pin on their own.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <variant>

#include "gw/providers/openai/openai_codec.h"
#include "gw/providers/openai/read_json.h"

namespace gw {
namespace {

namespace json = boost::json;

config::Provider azure() {
  config::Provider p;
  p.name = "azure";
  p.type = config::ProviderType::AzureOpenAI;
  p.base_url = "https://res.openai.azure.com/";
  p.api_key = "az-key";
  p.api_version = "2024-10-21";
  p.headers["x-extra"] = "1";
  return p;
}

ChatRequest simple_request() {
  ChatRequest r;
  r.model = "alias";
  Message m;
  m.role = Role::User;
  m.content.push_back(ContentBlock::make_text("hi"));
  r.messages.push_back(m);
  return r;
}

config::Deployment dep(std::string model) {
  config::Deployment d;
  d.model = std::move(model);
  return d;
}

TEST(AzureOpenAICodec, DeploymentInThePathApiVersionAndApiKeyHeader) {
  const auto p = azure();
  auto codec = make_azure_openai_codec(p);
  auto r = codec->encode(simple_request(), dep("gpt-4o-prod"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->url,
            "https://res.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
  EXPECT_EQ(find_header(r->headers, "api-key"), "az-key");
  EXPECT_EQ(find_header(r->headers, "authorization"), "");
  EXPECT_EQ(find_header(r->headers, "x-extra"), "1");
  EXPECT_EQ(json::parse(r->body).at("model"), json::value("gpt-4o-prod"));
}

TEST(OpenAICodec, NoAuthorizationWithoutKeyAndExtraHeaders) {
  config::Provider p;
  p.name = "local";
  p.base_url = "http://127.0.0.1:8000/v1";
  p.headers["x-team"] = "a";
  auto codec = make_openai_codec(p);
  auto r = codec->encode(simple_request(), dep("llama"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->url, "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(find_header(r->headers, "authorization"), "");
  EXPECT_EQ(find_header(r->headers, "x-team"), "a");
}

// protocols.md 3.3: the output limit's field is per upstream. OpenAI's reasoning models refuse
// max_tokens, which an Anthropic client always sends; many compatible servers know only max_tokens.
TEST(OpenAICodec, OutputLimitTravelsInTheProvidersField) {
  auto body_of = [](config::MaxTokensField f, Dialect source, bool client_chose_mct) {
    config::Provider p;
    p.name = "up";
    p.base_url = "https://api.openai.com/v1";
    p.max_tokens_field = f;
    ChatRequest r = simple_request();
    r.source = source;
    r.params.max_tokens = 300;
    if (client_chose_mct) {
      r.passthrough["max_completion_tokens"] = 300;
    }
    auto up = make_openai_codec(p)->encode(r, dep("o3"));
    EXPECT_TRUE(up.has_value());
    return up ? json::parse(up->body).as_object() : json::object{};
  };
  using F = config::MaxTokensField;
  const json::object from_anthropic = body_of(F::MaxCompletionTokens, Dialect::AnthropicMessages, false);
  EXPECT_EQ(from_anthropic.at("max_completion_tokens"), json::value(300));
  EXPECT_FALSE(from_anthropic.contains("max_tokens"));
  const json::object to_old_server = body_of(F::MaxTokens, Dialect::OpenAIChat, true);
  EXPECT_EQ(to_old_server.at("max_tokens"), json::value(300));
  EXPECT_FALSE(to_old_server.contains("max_completion_tokens"));  // not merged back from passthrough
  EXPECT_EQ(body_of(F::Auto, Dialect::OpenAIChat, true).at("max_completion_tokens"), json::value(300));
  EXPECT_FALSE(body_of(F::Auto, Dialect::OpenAIChat, true).contains("max_tokens"));
  EXPECT_EQ(body_of(F::Auto, Dialect::AnthropicMessages, false).at("max_tokens"), json::value(300));
  EXPECT_EQ(body_of(F::MaxCompletionTokens, Dialect::OpenAIChat, false).at("max_completion_tokens"),
            json::value(300));
}

TEST(OpenAICodec, AnthropicSourcedRequestMapsToolResultsAndDropsForeignFields) {
  ChatRequest r;
  r.source = Dialect::AnthropicMessages;
  r.model = "alias";
  r.passthrough["top_k_extension"] = 1;  // another dialect's field: never sent to OpenAI
  r.params.max_tokens = 64;
  r.params.top_k = 5;
  r.tool_choice.kind = ToolChoice::Kind::Any;
  r.tool_choice.disable_parallel = true;
  r.tools.push_back(Tool{"f", "", json::object{{"type", "object"}}, json::object{{"cache_control", 1}}});
  Message a;
  a.role = Role::Assistant;
  ContentBlock think;
  think.type = BlockType::Thinking;
  think.text = "hmm";
  a.content.push_back(think);
  a.content.push_back(ContentBlock::make_tool_use("toolu_1", "f", json::object{{"x", 1}}));
  a.extra["cache_control"] = json::object{};
  r.messages.push_back(a);
  Message u;
  u.role = Role::User;
  ContentBlock res = ContentBlock::make_tool_result("toolu_1", "no such file", /*error=*/true);
  ContentBlock img;
  img.type = BlockType::Image;
  img.source.media_type = "image/png";
  img.source.data = "AAAA";
  res.content.push_back(img);
  u.content.push_back(res);
  u.content.push_back(ContentBlock::make_text("and then?"));
  r.messages.push_back(u);

  const config::Provider provider;  // the codec keeps a reference: it must outlive it
  auto codec = make_openai_codec(provider);
  auto enc = codec->encode(r, dep("m"));
  ASSERT_TRUE(enc.has_value()) << enc.error().message;
  json::value want = json::parse(R"({"model":"m","messages":[
    {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
    {"role":"tool","tool_call_id":"toolu_1","content":[{"type":"text","text":"Error: no such file"},{"type":"text","text":"[attachment in the following user message]"}]},
    {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"and then?"}]}],
    "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
    "tool_choice":"required","parallel_tool_calls":false,"max_tokens":64})");
  EXPECT_EQ(json::parse(enc->body), want) << enc->body;
}

TEST(OpenAICodec, NonPdfDocumentIsRefusedNamingTheBlock) {
  ChatRequest r = simple_request();
  ContentBlock doc;
  doc.type = BlockType::Document;
  doc.source.media_type = "text/plain";
  doc.source.data = "aGk=";
  r.messages[0].content.push_back(doc);
  const config::Provider provider;
  auto enc = make_openai_codec(provider)->encode(r, dep("m"));
  ASSERT_FALSE(enc.has_value());
  EXPECT_EQ(enc.error().param, "messages[0].content[1]");
  EXPECT_EQ(enc.error().code, Code::InvalidRequest);
}

TEST(OpenAICodec, DecodeRejectsGarbage) {
  const config::Provider provider;  // the codec keeps a reference: it must outlive it
  auto codec = make_openai_codec(provider);
  EXPECT_FALSE(codec->decode(UpstreamResponse{200, {}, "<html>"}).has_value());
  EXPECT_FALSE(codec->decode(UpstreamResponse{200, {}, R"({"choices":[]})"}).has_value());
}

TEST(OpenAICodec, StopReasonsAndUsage) {
  EXPECT_EQ(openai::stop_reason_of("stop"), StopReason::EndTurn);
  EXPECT_EQ(openai::stop_reason_of("length"), StopReason::MaxTokens);
  EXPECT_EQ(openai::stop_reason_of("tool_calls"), StopReason::ToolUse);
  EXPECT_EQ(openai::stop_reason_of("function_call"), StopReason::ToolUse);
  EXPECT_EQ(openai::stop_reason_of("content_filter"), StopReason::Refusal);
  EXPECT_EQ(openai::stop_reason_of("eos"), StopReason::EndTurn);
  openai::dom::object usage;
  ASSERT_TRUE(openai::parse_answer(R"({"prompt_tokens":100,"completion_tokens":7,
      "prompt_tokens_details":{"cached_tokens":30,"cache_write_tokens":10},
      "completion_tokens_details":{"reasoning_tokens":4}})", usage));
  EXPECT_EQ(openai::usage_of(usage), (Usage{60, 7, 30, 10, 4}));
  // Negative, fractional and mistyped counts read as zero.
  ASSERT_TRUE(openai::parse_answer(R"({"prompt_tokens":-5,"completion_tokens":2.5,
      "prompt_tokens_details":{"cached_tokens":"3"}})", usage));
  EXPECT_EQ(openai::usage_of(usage), (Usage{}));
  EXPECT_FALSE(openai::parse_answer("[1,2]", usage));
  EXPECT_FALSE(openai::parse_answer("{\"a\":", usage));
  EXPECT_FALSE(openai::parse_answer("{\"a\":\"\xff\"}", usage));  // invalid UTF-8 is refused
}

std::vector<StreamEvent> decode(std::string_view bytes) {
  auto dec = openai::make_chat_stream_decoder();
  std::vector<StreamEvent> out;
  dec->feed(bytes, out);
  dec->finish(out);
  return out;
}

TEST(OpenAIStreamDecoder, ParallelToolsVectorGivesBlocksInOrderAndUsage) {
  std::ifstream in(std::string(GW_VECTORS_DIR) + "/openai_upstream_parallel_tools.sse");
  std::stringstream ss;
  ss << in.rdbuf();
  auto evs = decode(ss.str());
  ASSERT_FALSE(evs.empty());
  ASSERT_TRUE(std::holds_alternative<MessageStart>(evs.front()));
  EXPECT_EQ(std::get<MessageStart>(evs.front()).model, "gpt-4o-2024-08-06");
  std::vector<std::string> args(2);
  std::vector<std::string> names;
  for (const auto& e : evs) {
    if (const auto* bs = std::get_if<BlockStart>(&e)) {
      EXPECT_EQ(bs->type, BlockType::ToolUse);
      EXPECT_EQ(bs->index, names.size());
      names.push_back(bs->name);
    } else if (const auto* d = std::get_if<ToolArgsDelta>(&e)) {
      args.at(d->index) += d->partial_json;
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"get_weather", "get_time"}));
  EXPECT_EQ(json::parse(args[0]), json::parse(R"({"location":"Paris"})"));
  EXPECT_EQ(json::parse(args[1]), json::parse(R"({"tz":"Europe/Paris"})"));
  const auto* usage = std::get_if<UsageUpdate>(&evs[evs.size() - 2]);
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->usage, (Usage{56, 48, 64, 0, 0}));
  EXPECT_TRUE(std::holds_alternative<MessageStop>(evs.back()));
}

TEST(OpenAIStreamDecoder, TextAfterToolsKeepsADistinctIndexAndUnterminatedDoneIsAccepted) {
  auto evs = decode(
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]");
  std::vector<size_t> starts;
  for (const auto& e : evs) {
    if (const auto* bs = std::get_if<BlockStart>(&e)) {
      starts.push_back(bs->index);
    }
    if (const auto* t = std::get_if<TextDelta>(&e)) {
      EXPECT_EQ(t->index, 1u);
    }
  }
  EXPECT_EQ(starts, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(std::holds_alternative<MessageStop>(evs.back()));
}

TEST(OpenAIStreamDecoder, AFinishedAnswerWithoutUsageOrDoneIsComplete) {
  // protocols.md 1.6 and 3.7 step 7: some compatible servers end the body without [DONE] (and
  // without the usage chunk); once finish_reason came, the answer is whole.
  auto evs = decode("data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\n");
  for (const auto& e : evs) {
    EXPECT_FALSE(std::holds_alternative<StreamError>(e));
  }
  ASSERT_GE(evs.size(), 2u);
  const auto* fin = std::get_if<Finish>(&evs[evs.size() - 2]);
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->reason, StopReason::EndTurn);
  EXPECT_TRUE(std::holds_alternative<MessageStop>(evs.back()));
}

TEST(OpenAIStreamDecoder, AnAnswerCutBeforeItsFinishIsAnError) {
  auto evs = decode("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
  const auto* err = std::get_if<StreamError>(&evs.back());
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->error.message, "upstream stream ended early");
  EXPECT_TRUE(err->error.retryable);
}

TEST(OpenAIStreamDecoder, ATextBlockClosesWhenAToolCallStartsAndLaterTextOpensAnother) {
  // protocols.md 3.7 steps 2-3: an Anthropic client (blocks cannot interleave) then gets the call
  // as it streams, and text after the call stays after it.
  auto evs = decode(
      "data: {\"choices\":[{\"delta\":{\"content\":\"A\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"B\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
      "data: [DONE]\n\n");
  std::vector<std::string> seq;
  for (const auto& e : evs) {
    if (const auto* bs = std::get_if<BlockStart>(&e)) {
      seq.push_back("start " + std::to_string(bs->index));
    } else if (const auto* st = std::get_if<BlockStop>(&e)) {
      seq.push_back("stop " + std::to_string(st->index));
    } else if (const auto* t = std::get_if<TextDelta>(&e)) {
      seq.push_back("text " + std::to_string(t->index) + " " + t->text);
    } else if (const auto* a = std::get_if<ToolArgsDelta>(&e)) {
      seq.push_back("args " + std::to_string(a->index) + " " + a->partial_json);
    }
  }
  EXPECT_EQ(seq, (std::vector<std::string>{"start 0", "text 0 A", "stop 0", "start 1", "args 1 {}", "start 2",
                                           "text 2 B", "stop 1", "stop 2"}));
}

TEST(OpenAIStreamDecoder, MalformedChunkIsAnErrorAndNothingFollows) {
  auto dec = openai::make_chat_stream_decoder();
  std::vector<StreamEvent> out;
  dec->feed("data: {oops\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", out);
  dec->finish(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamError>(out[0]));
}

TEST(OpenAIStreamDecoder, EmptyBodyIsAnError) {
  auto evs = decode("");
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamError>(evs[0]));
}

}  // namespace
}  // namespace gw
