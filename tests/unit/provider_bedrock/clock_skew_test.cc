// Clock skew: which refusals carry AWS's time, when an offset is adopted, and the signer that
// signs with it and retries once (clock_skew.h, bedrock_signer.h).
#include "gw/providers/bedrock/clock_skew.h"

#include <gtest/gtest.h>

#include "gw/providers/bedrock/bedrock_signer.h"

namespace gw::bedrock {
namespace {

using namespace std::chrono_literals;

// 2024-01-15T12:34:56Z
const SystemTime kT = std::chrono::system_clock::from_time_t(1705322096);

TEST(ClockSkew, ParsesHttpAndAmzDates) {
  EXPECT_EQ(parse_http_date("Mon, 15 Jan 2024 12:34:56 GMT"), kT);
  EXPECT_EQ(parse_amz_date("20240115T123456Z"), kT);
  EXPECT_FALSE(parse_http_date("Mon, 15 Jan 2024 12:34:56 UTC").has_value());
  EXPECT_FALSE(parse_http_date("Mon, 15 Foo 2024 12:34:56 GMT").has_value());
  EXPECT_FALSE(parse_http_date("").has_value());
  EXPECT_FALSE(parse_amz_date("20240115T123456").has_value());
  EXPECT_FALSE(parse_amz_date("20241315T123456Z").has_value());
}

TEST(ClockSkew, AwsTimeFromTheDateHeaderOrTheSignatureExpiredMessage) {
  // The message AWS sends for a request signed too long ago; no Date header.
  UpstreamResponse expired{403u, {{"x-amzn-ErrorType", "InvalidSignatureException:http://internal.amazon.com/"}},
                           R"j({"message":"Signature expired: 20240115T121000Z is now earlier than 20240115T122956Z (20240115T123456Z - 5 min.)"})j"};
  EXPECT_EQ(aws_time_of_refusal(expired), kT);
  UpstreamResponse future{403u, {}, R"j({"__type":"InvalidSignatureException","message":"Signature not yet current: 20240115T130000Z is still later than 20240115T123956Z (20240115T123456Z + 5 min.)"})j"};
  EXPECT_EQ(aws_time_of_refusal(future), kT);
  // The Date header wins, on any refusal (whether skew explains it is decided against the
  // request's signing time).
  UpstreamResponse dated{403u, {{"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}}, R"j({"message":"Forbidden"})j"};
  EXPECT_EQ(aws_time_of_refusal(dated), kT);
  // Not a refusal skew could explain: a throttle, a server error, an unrelated 403 without time.
  EXPECT_FALSE(aws_time_of_refusal(UpstreamResponse{429u, {{"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}}, "{}"}));
  EXPECT_FALSE(aws_time_of_refusal(UpstreamResponse{500u, {{"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}}, "{}"}));
  // A 400 the request's content caused (AWS checks the signature first, so that one passed).
  EXPECT_FALSE(aws_time_of_refusal(UpstreamResponse{400u, {{"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}, {"x-amzn-ErrorType", "ValidationException"}}, "{}"}));
  EXPECT_EQ(aws_time_of_refusal(UpstreamResponse{400u, {{"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}}, R"j({"__type":"RequestExpired"})j"}), kT);
  EXPECT_FALSE(aws_time_of_refusal(UpstreamResponse{403u, {{"x-amzn-ErrorType", "AccessDeniedException"}},
                                                    R"j({"message":"(20240115T123456Z - 5 min.)"})j"}));
}

TEST(ClockSkew, AdoptsTheOffsetOnceAndOnlyWhenSkewExplainsTheRefusal) {
  std::vector<std::string> logs;
  ClockSkew skew([&](const std::string& e, const std::string& d) { logs.push_back(e + " " + d); });
  const SystemTime local = kT - 10min;  // this machine is 10 minutes behind AWS
  // Signed 3 minutes off AWS's time: accepted by AWS, so skew is not why it was refused.
  EXPECT_FALSE(skew.correct(kT, local, kT - 3min, "provider p"));
  EXPECT_EQ(skew.offset(), 0ns);
  EXPECT_TRUE(logs.empty());
  // Signed at the local time: 10 minutes off. Adopted, logged once.
  EXPECT_TRUE(skew.correct(kT, local, local, "provider p: InvalidSignatureException"));
  EXPECT_EQ(skew.offset(), 10min);
  EXPECT_EQ(skew.corrected(local), kT);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0], "aws_clock_skew AWS's clock is 600 s ahead of this machine's (provider p: InvalidSignatureException); "
                     "Bedrock requests are signed with the corrected time from now on");
  // Another request signed before the correction, refused a moment later: retried, not logged.
  EXPECT_TRUE(skew.correct(kT + 1s, local + 1s, local, "provider p"));
  EXPECT_EQ(logs.size(), 1u);
  EXPECT_EQ(skew.offset(), 10min);
  // The machine's clock is then set right (AWS's time is now local): the next refusal moves the
  // offset back.
  EXPECT_TRUE(skew.correct(kT + 2s, kT + 2s, kT + 2s + 10min, "provider p"));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(skew.offset()), 0s);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_NE(logs[1].find("AWS's clock is 0 s ahead"), std::string::npos) << logs[1];
}

std::string header(const UpstreamRequest& req, std::string_view name) {
  std::string_view v = find_header(req.headers, name);
  return v.empty() ? "(absent)" : std::string(v);
}

template <class T>
T run(std::function<net::awaitable<T>()> f) {
  net::io_context io;
  std::optional<T> out;
  net::co_spawn(io, [&]() -> net::awaitable<void> { out.emplace(co_await f()); }, net::detached);
  io.run();
  return std::move(*out);
}

TEST(BedrockSignerSkew, ASkewRefusalIsRetriedOnceAndLaterRequestsAreSignedWithAwsTime) {
  config::Provider p;
  p.name = "aws";
  p.type = config::ProviderType::Bedrock;
  p.region = "us-east-1";
  p.access_key_id = "AKIDSTATIC";
  p.secret_access_key = "secret";
  ManualClock clock(kT - 15min);  // 15 minutes behind AWS
  auto skew = std::make_shared<ClockSkew>();
  auto signer = make_bedrock_signer(p, clock, nullptr, skew);
  UpstreamRequest req;
  req.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke";
  ASSERT_TRUE(run<Result<void>>([&] { return signer->sign(req); }).has_value());
  EXPECT_EQ(header(req, "x-amz-date"), "20240115T121956Z");
  const UpstreamResponse refused{403u,
                                 {{"x-amzn-ErrorType", "InvalidSignatureException"}, {"Date", "Mon, 15 Jan 2024 12:34:56 GMT"}},
                                 R"j({"message":"Signature expired: 20240115T121956Z is now earlier than 20240115T122956Z (20240115T123456Z - 5 min.)"})j"};
  EXPECT_TRUE(run<bool>([&] { return signer->invalidate(req, refused); }));
  ASSERT_TRUE(run<Result<void>>([&] { return signer->sign(req); }).has_value());
  EXPECT_EQ(header(req, "x-amz-date"), "20240115T123456Z");
  // Another signer of the process (another worker) signs with the corrected time at once.
  auto other = make_bedrock_signer(p, clock, nullptr, skew);
  clock.advance(1s);
  UpstreamRequest second;
  second.url = req.url;
  ASSERT_TRUE(run<Result<void>>([&] { return other->sign(second); }).has_value());
  EXPECT_EQ(header(second, "x-amz-date"), "20240115T123457Z");
  // A refusal of a request signed with AWS's time is not retried: the credentials are at fault.
  const UpstreamResponse denied{403u, {{"x-amzn-ErrorType", "UnrecognizedClientException"}, {"Date", "Mon, 15 Jan 2024 12:34:57 GMT"}},
                                R"j({"message":"The security token included in the request is invalid."})j"};
  EXPECT_FALSE(run<bool>([&] { return other->invalidate(second, denied); }));
}

}  // namespace
}  // namespace gw::bedrock
