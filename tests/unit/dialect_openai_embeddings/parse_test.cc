// POST /v1/embeddings bodies: what is accepted, the token estimate limits reserve, the field every
// rejection names, and the reply's model name.
#include <gtest/gtest.h>

#include "gw/dialects/openai_embeddings/openai_embeddings.h"

namespace gw {
namespace {

TEST(ParseEmbeddingRequest, AcceptsEveryInputFormAndEstimatesItsTokens) {
  auto one = openai::parse_embedding_request(R"({"model":"e","input":"twelve bytes"})");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->model, "e");
  EXPECT_EQ(one->input_estimate, 4u);  // 12 / 4 + 1

  auto many = openai::parse_embedding_request(R"({"model":"e","input":["abcd","abcdefgh"],"encoding_format":"float"})");
  ASSERT_TRUE(many.has_value());
  EXPECT_EQ(many->input_estimate, 2u + 3u);

  auto ids = openai::parse_embedding_request(R"({"model":"e","input":[1,2,3],"dimensions":64})");
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->input_estimate, 3u);

  auto nested = openai::parse_embedding_request(R"({"model":"e","input":[[1,2],[3]],"encoding_format":"base64","user":"u"})");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->input_estimate, 3u);
  EXPECT_EQ(nested->body, R"({"model":"e","input":[[1,2],[3]],"encoding_format":"base64","user":"u"})")
      << "the body travels as the client wrote it";
}

TEST(ParseEmbeddingRequest, RejectionsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input":"x"})", "model"},
      {R"({"model":3,"input":"x"})", "model"},
      {R"({"model":"e"})", "input"},
      {R"({"model":"e","input":null})", "input"},
      {R"({"model":"e","input":""})", "input"},
      {R"({"model":"e","input":[]})", "input"},
      {R"({"model":"e","input":{"a":1}})", "input"},
      {R"({"model":"e","input":["ok",""]})", "input[1]"},
      {R"({"model":"e","input":["ok",{}]})", "input[1]"},
      {R"({"model":"e","input":[1,-2]})", "input[1]"},
      {R"({"model":"e","input":[1,2.5]})", "input[1]"},
      {R"({"model":"e","input":[[1],[]]})", "input[1]"},
      {R"({"model":"e","input":[[1],["a"]]})", "input[1][0]"},
      {R"({"model":"e","input":"x","encoding_format":"int8"})", "encoding_format"},
      {R"({"model":"e","input":"x","dimensions":0})", "dimensions"},
      {R"({"model":"e","input":"x","dimensions":"8"})", "dimensions"},
      {R"({"model":"e","input":"x","user":7})", "user"},
  };
  for (const auto& [body, field] : cases) {
    auto r = openai::parse_embedding_request(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, Code::InvalidRequest) << body;
    EXPECT_EQ(r.error().param, field) << body << ": " << r.error().message;
  }
  std::string too_many = R"({"model":"e","input":[)";
  for (int i = 0; i < 2049; ++i) {
    too_many += i == 0 ? "\"a\"" : ",\"a\"";
  }
  too_many += "]}";
  EXPECT_EQ(openai::parse_embedding_request(too_many).error().param, "input");
  EXPECT_EQ(openai::parse_embedding_request("not json").error().code, Code::InvalidRequest);
  EXPECT_EQ(openai::parse_embedding_request("[1]").error().code, Code::InvalidRequest);
}

// The body is passed through with its model replaced: a repeated key (plain or escaped) could
// make an upstream run another model than the one authorized and priced.
TEST(ParseEmbeddingRequest, ARepeatedTopLevelKeyIsRefused) {
  for (const char* body : {R"({"model":"e","input":"x","model":"f"})", R"({"mod\u0065l":"o1-pro","model":"e","input":"x"})",
                           R"({"model":"e","input":"x","input":"y"})"}) {
    auto r = openai::parse_embedding_request(body);
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().message.find("appears more than once"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(openai::parse_embedding_request(R"({"model":"e","input":"x","extra":{"a":1,"a":2}})"))
      << "only top-level keys are the gateway's to judge";
}

TEST(RenderEmbeddingResponse, TheClientsModelNameAndTheUpstreamsBytesOtherwise) {
  EmbeddingRequest req;
  req.model = "embed-alias";
  EmbeddingResponse resp;
  resp.body = R"({"object":"list","data":[{"embedding":[0.014999999664723873]}],"model":"text-embedding-3-small"})";
  EXPECT_EQ(openai::render_embedding_response(resp, req),
            R"({"object":"list","data":[{"embedding":[0.014999999664723873]}],"model":"embed-alias"})");
}

}  // namespace
}  // namespace gw
