// Bedrock error classification (protocols.md 4.7): the AWS error name first, the status second;
// credential failures never echo AWS's text.
#include <gtest/gtest.h>

#include "gw/providers/bedrock/bedrock_codec.h"
#include "gw/providers/bedrock/bedrock_wire.h"

namespace gw::bedrock {
namespace {

Error classify(unsigned status, std::string_view type_header, std::string body, Headers extra = {}) {
  config::Provider p;
  p.name = "aws-east";
  auto codec = make_bedrock_codec(p);
  Headers h = std::move(extra);
  if (!type_header.empty()) {
    h.emplace_back("x-amzn-ErrorType", std::string(type_header) + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
  }
  return codec->classify(UpstreamResponse{status, h, std::move(body)});
}

TEST(BedrockErrors, ErrorNameExtraction) {
  EXPECT_EQ(aws_error_name({{"X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/"}}, nullptr),
            "ThrottlingException");
  boost::json::object body{{"__type", "com.amazon.coral.service#ExpiredTokenException"}};
  EXPECT_EQ(aws_error_name({}, &body), "ExpiredTokenException");
  boost::json::object coded{{"code", "ValidationException,extra"}, {"__type", "Other"}};
  EXPECT_EQ(aws_error_name({}, &coded), "ValidationException");
  EXPECT_EQ(aws_error_name({}, nullptr), "");
}

TEST(BedrockErrors, ThrottlingAndQuotasAreRetryableRateLimits) {
  Error e = classify(429, "ThrottlingException", R"({"message":"Too many requests, please wait before trying again."})",
                     {{"retry-after", "3"}});
  EXPECT_EQ(e.code, Code::RateLimited);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after_s, 3);
  EXPECT_EQ(e.upstream_type, "ThrottlingException");
  EXPECT_EQ(e.provider, "aws-east");
  EXPECT_NE(e.message.find("Too many requests"), std::string::npos);

  Error quota = classify(400, "ServiceQuotaExceededException", R"({"message":"quota"})");
  EXPECT_EQ(quota.code, Code::RateLimited);
  EXPECT_TRUE(quota.retryable);

  Error bare = classify(429, "", "");
  EXPECT_EQ(bare.code, Code::RateLimited);
  EXPECT_TRUE(bare.retryable);
}

TEST(BedrockErrors, ServerSideFailuresAreRetryable) {
  Error unavailable = classify(503, "ServiceUnavailableException", R"({"message":"try later"})");
  EXPECT_EQ(unavailable.code, Code::UpstreamOverloaded);
  EXPECT_TRUE(unavailable.retryable);

  Error not_ready = classify(429, "ModelNotReadyException", R"({"message":"warming"})");
  EXPECT_EQ(not_ready.code, Code::UpstreamOverloaded);
  EXPECT_TRUE(not_ready.retryable);

  Error internal = classify(500, "InternalServerException", R"({"Message":"internal"})");
  EXPECT_EQ(internal.code, Code::UpstreamError);
  EXPECT_TRUE(internal.retryable);
  EXPECT_NE(internal.message.find("internal"), std::string::npos);

  Error plain502 = classify(502, "", "<html>bad gateway</html>");
  EXPECT_EQ(plain502.code, Code::UpstreamError);
  EXPECT_TRUE(plain502.retryable);

  Error timeout = classify(408, "ModelTimeoutException", R"({"message":"took too long"})");
  EXPECT_EQ(timeout.code, Code::UpstreamTimeout);
  EXPECT_TRUE(timeout.retryable);

  Error model = classify(424, "ModelErrorException", R"({"message":"model failed","originalStatusCode":500})");
  EXPECT_EQ(model.code, Code::UpstreamError);
  EXPECT_TRUE(model.retryable);
}

TEST(BedrockErrors, CredentialFailuresNeverEchoAws) {
  const std::string leaky =
      R"({"message":"The request signature we calculated does not match. The Canonical String for this request should have been 'POST ... x-amz-security-token:SECRET-TOKEN'"})";
  for (auto [status, name] : {std::pair<unsigned, std::string_view>{403, "InvalidSignatureException"},
                              {403, "UnrecognizedClientException"},
                              {400, "ExpiredTokenException"},
                              {403, "AccessDeniedException"},
                              {403, "MissingAuthenticationTokenException"},
                              {401, ""},
                              {403, ""}}) {
    Error e = classify(status, name, leaky);
    SCOPED_TRACE(std::string(name) + " " + std::to_string(status));
    EXPECT_EQ(e.code, Code::UpstreamError);
    EXPECT_FALSE(e.retryable);
    EXPECT_NE(e.message.find("provider aws-east rejected the gateway's AWS credentials"), std::string::npos);
    EXPECT_EQ(e.message.find("SECRET-TOKEN"), std::string::npos);
    EXPECT_EQ(e.message.find("Canonical"), std::string::npos);
  }
  // The name may come from the body when the header is missing.
  Error from_body = classify(400, "", R"({"__type":"com.amazon.coral#ExpiredTokenException","message":"expired"})");
  EXPECT_EQ(from_body.code, Code::UpstreamError);
  EXPECT_FALSE(from_body.retryable);
}

TEST(BedrockErrors, ValidationIsTheClientsFaultAndPassesThrough) {
  Error e = classify(400, "ValidationException",
                     R"({"message":"Malformed input request: #: extraneous key [foo] is not permitted"})");
  EXPECT_EQ(e.code, Code::UpstreamRejected);
  EXPECT_FALSE(e.retryable);
  e.upstream_status = 400;
  EXPECT_EQ(e.http_status(), 400u);
  EXPECT_EQ(e.message, "Malformed input request: #: extraneous key [foo] is not permitted");

  Error not_found = classify(404, "ResourceNotFoundException", R"({"message":"Model not found"})");
  EXPECT_EQ(not_found.code, Code::UpstreamRejected);
  EXPECT_EQ(not_found.http_status(), 404u);
  EXPECT_FALSE(not_found.retryable);
}

TEST(BedrockErrors, StreamExceptions) {
  Error t = stream_exception("throttlingException", "slow down", "aws-east");
  EXPECT_EQ(t.code, Code::RateLimited);
  EXPECT_TRUE(t.retryable);
  Error s = stream_exception("serviceUnavailableException", "", "aws-east");
  EXPECT_EQ(s.code, Code::UpstreamOverloaded);
  EXPECT_TRUE(s.retryable);
  Error i = stream_exception("internalServerException", "x", "aws-east");
  EXPECT_EQ(i.code, Code::UpstreamError);
  EXPECT_TRUE(i.retryable);
  Error v = stream_exception("validationException", "bad", "aws-east");
  EXPECT_EQ(v.code, Code::UpstreamRejected);
  EXPECT_FALSE(v.retryable);
  EXPECT_EQ(v.http_status(), 400u);
}

}  // namespace
}  // namespace gw::bedrock
