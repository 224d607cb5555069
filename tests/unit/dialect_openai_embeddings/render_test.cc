// A cloud's vectors as OpenAI's list: float32 base64 with known bytes, the shortest numbers that
// read back as the same float32, the client's model name and usage; and what the parser hands the
// clouds' codecs (texts, token ids, dimensions, encoding).
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>

#include <boost/json.hpp>

#include "gw/dialects/openai_embeddings/openai_embeddings.h"

namespace gw {
namespace {

TEST(RenderEmbeddingList, Base64IsLittleEndianFloat32) {
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, 0.5f = 00 00 00 3f (little-endian bytes).
  EXPECT_EQ(openai::float32_base64({1.0f, -2.0f, 0.5f}), "AACAPwAAAMAAAAA/");
  EXPECT_EQ(openai::float32_base64({}), "");
  const std::string out = openai::render_embedding_list({{1.0f, -2.0f, 0.5f}}, 3, "alias \"q\"", EmbeddingEncoding::Base64);
  EXPECT_EQ(out,
            R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAMAAAAA/"}],)"
            R"("model":"alias \"q\"","usage":{"prompt_tokens":3,"total_tokens":3}})");
}

TEST(RenderEmbeddingList, FloatsAreTheShortestTextOfEachFloat32) {
  const std::vector<float> v = {0.1f, -1e-7f, 3.4028235e38f, 1.17549435e-38f, 1.4e-45f, 0.0f, 0.33333334f, 12345.678f};
  const std::string out = openai::render_embedding_list({v, {0.25f}}, 9, "m", EmbeddingEncoding::Float);
  const boost::json::value doc = boost::json::parse(out);
  EXPECT_EQ(doc.at("data").as_array().size(), 2u);
  EXPECT_EQ(doc.at("data").at(1).at("index"), 1);
  EXPECT_EQ(doc.at("usage").at("total_tokens"), 9);
  EXPECT_NE(out.find(R"("embedding":[0.1,-1e-07,3.4028235e+38,1.1754944e-38,1e-45,0,0.33333334,12345.678])"), std::string::npos) << out;
  // Every number reads back (as float32) to the value rendered.
  const auto& nums = doc.at("data").at(0).at("embedding").as_array();
  ASSERT_EQ(nums.size(), v.size());
  const std::string text = out.substr(out.find('[', out.find("embedding")) + 1);
  const char* p = text.data();
  for (const float want : v) {
    float got = 0;
    auto [end, ec] = std::from_chars(p, text.data() + text.size(), got);
    ASSERT_EQ(ec, std::errc());
    EXPECT_EQ(got, want);
    p = end + 1;
  }
}

TEST(RenderEmbeddingResponse, TranslatedAnswersUseTheRequestsEncodingAndModel) {
  EmbeddingRequest req;
  req.model = "embed-alias";
  req.encoding = EmbeddingEncoding::Base64;
  EmbeddingResponse resp;
  resp.vectors = {{1.0f}};
  resp.usage.input = 2;
  EXPECT_EQ(openai::render_embedding_response(resp, req),
            R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPw=="}],)"
            R"("model":"embed-alias","usage":{"prompt_tokens":2,"total_tokens":2}})");
}

TEST(ParseEmbeddingRequest, WhatTheCloudsAreGiven) {
  auto one = openai::parse_embedding_request(R"({"model":"e","input":"hello","dimensions":256,"encoding_format":"base64"})");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->texts, (std::vector<std::string>{"hello"}));
  EXPECT_FALSE(one->token_ids);
  EXPECT_EQ(one->dimensions, 256u);
  EXPECT_EQ(one->encoding, EmbeddingEncoding::Base64);

  auto many = openai::parse_embedding_request(R"({"model":"e","input":["a","b"]})");
  ASSERT_TRUE(many.has_value());
  EXPECT_EQ(many->texts, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(many->dimensions.has_value());
  EXPECT_EQ(many->encoding, EmbeddingEncoding::Float) << "OpenAI's default when absent";

  for (const char* ids : {R"({"model":"e","input":[1,2]})", R"({"model":"e","input":[[1],[2]]})"}) {
    auto r = openai::parse_embedding_request(ids);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->token_ids) << ids;
    EXPECT_TRUE(r->texts.empty()) << ids;
  }
}

}  // namespace
}  // namespace gw
