// Parsing the answers that carry temporary AWS credentials: STS XML, container / IMDS JSON.
#include "gw/providers/bedrock/aws_credentials.h"

#include <gtest/gtest.h>

namespace gw::bedrock {
namespace {

using namespace std::chrono_literals;

SystemTime at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(mo) / std::chrono::day(d)) +
         std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s);
}

// The shape of AWS's documented AssumeRoleWithWebIdentity answer.
constexpr std::string_view kStsAnswer = R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:gw:switchyard</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/bedrock/switchyard-1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:switchyard-1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE/+=</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
)";

TEST(AwsCredentialsParse, StsAssumeRoleWithWebIdentityAnswer) {
  auto c = parse_sts_credentials(kStsAnswer);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c->creds.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(c->creds.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE/+=");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, at(2014, 10, 24, 23, 0, 23));
}

TEST(AwsCredentialsParse, StsAnswerWithPrefixesDeclarationCommentsCdataAndEntities) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <Credentials> inside -->
<sts:AssumeRoleWithWebIdentityResponse xmlns:sts="https://sts.amazonaws.com/doc/2011-06-15/">
<sts:AssumeRoleWithWebIdentityResult><sts:Credentials>
<sts:AccessKeyId attr="a > b">ASIA1</sts:AccessKeyId>
<sts:SecretAccessKey>se&amp;cr&#x65;t&#47;</sts:SecretAccessKey>
<sts:SessionToken><![CDATA[tok<en>]]></sts:SessionToken>
<sts:Expiration>2030-01-02T03:04:05.123Z</sts:Expiration>
</sts:Credentials></sts:AssumeRoleWithWebIdentityResult></sts:AssumeRoleWithWebIdentityResponse>)";
  auto c = parse_sts_credentials(xml);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.access_key_id, "ASIA1");
  EXPECT_EQ(c->creds.secret_access_key, "se&cret/");
  EXPECT_EQ(c->creds.session_token, "tok<en>");
  EXPECT_EQ(*c->expiration, at(2030, 1, 2, 3, 4, 5) + 123ms);
}

TEST(AwsCredentialsParse, StsAnswersThatAreNotCredentialsAreErrorsWithoutTheirValues) {
  // Credentials elsewhere in the document do not count.
  EXPECT_FALSE(parse_sts_credentials(
                   "<AssumeRoleWithWebIdentityResponse><Credentials><AccessKeyId>A</AccessKeyId>"
                   "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
                   "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
                   "</AssumeRoleWithWebIdentityResponse>")
                   .has_value());
  // Truncated, mismatched, no expiration, empty.
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
  std::string truncated(kStsAnswer.substr(0, kStsAnswer.find("</Credentials>")));
  auto t = parse_sts_credentials(truncated);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message.find(secret), std::string::npos);
  std::string no_exp(kStsAnswer);
  no_exp.replace(no_exp.find("<Expiration>"), std::string("<Expiration>2014-10-24T23:00:23Z</Expiration>").size(), "");
  auto n = parse_sts_credentials(no_exp);
  ASSERT_FALSE(n.has_value());
  EXPECT_NE(n.error().message.find("Expiration"), std::string::npos);
  EXPECT_FALSE(parse_sts_credentials("<a><b></a></b>").has_value());
  EXPECT_FALSE(parse_sts_credentials("").has_value());
  EXPECT_FALSE(parse_sts_credentials("{\"AccessKeyId\":\"A\"}").has_value());
}

TEST(AwsCredentialsParse, StsErrorCodeIsPrintableAndBounded) {
  EXPECT_EQ(sts_error_code(R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>
  <Message>No OpenIDConnect provider found in your account for https://oidc.example</Message></Error>
  <RequestId>1</RequestId></ErrorResponse>)"),
            "InvalidIdentityToken");
  EXPECT_EQ(sts_error_code("<ErrorResponse><Error><Code>a b\n</Code></Error></ErrorResponse>"), "a?b");
  EXPECT_EQ(sts_error_code("<html>Bad gateway</html>"), "");
  EXPECT_LE(sts_error_code("<ErrorResponse><Error><Code>" + std::string(500, 'x') +
                           "</Code></Error></ErrorResponse>")
                .size(),
            64u);
}

TEST(AwsCredentialsParse, ContainerAndInstanceMetadataJson) {
  // ECS / EKS Pod Identity.
  auto c = parse_credentials_json(R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"sek","Token":"tok",
    "Expiration":"2030-05-06T07:08:09Z","RoleArn":"arn:aws:iam::1:role/task"})");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->creds.access_key_id, "ASIAECS");
  EXPECT_EQ(c->creds.secret_access_key, "sek");
  EXPECT_EQ(c->creds.session_token, "tok");
  EXPECT_EQ(*c->expiration, at(2030, 5, 6, 7, 8, 9));
  // IMDS.
  auto i = parse_credentials_json(R"({"Code":"Success","LastUpdated":"2030-05-06T01:00:00Z",
    "Type":"AWS-HMAC","AccessKeyId":"ASIAEC2","SecretAccessKey":"s2","Token":"t2",
    "Expiration":"2030-05-06T07:00:00+01:00"})");
  ASSERT_TRUE(i.has_value()) << i.error().message;
  EXPECT_EQ(i->creds.access_key_id, "ASIAEC2");
  EXPECT_EQ(*i->expiration, at(2030, 5, 6, 6, 0, 0));
  // No expiration announced: allowed (a custom endpoint), refreshed on a period.
  auto n = parse_credentials_json(R"({"AccessKeyId":"A","SecretAccessKey":"S"})");
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->expiration.has_value());
  EXPECT_TRUE(n->creds.session_token.empty());
}

TEST(AwsCredentialsParse, BadJsonAnswersAreErrorsWithoutSecrets) {
  auto failed = parse_credentials_json(R"({"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"A","SecretAccessKey":"SEKRIT"})");
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("AssumeRoleUnauthorizedAccess"), std::string::npos);
  EXPECT_EQ(failed.error().message.find("SEKRIT"), std::string::npos);
  EXPECT_FALSE(parse_credentials_json(R"({"AccessKeyId":"A"})").has_value());
  EXPECT_FALSE(parse_credentials_json(R"({"AccessKeyId":"","SecretAccessKey":"S"})").has_value());
  EXPECT_FALSE(parse_credentials_json(R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"soon"})").has_value());
  EXPECT_FALSE(parse_credentials_json(R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":5})").has_value());
  EXPECT_FALSE(parse_credentials_json("[1]").has_value());
  EXPECT_FALSE(parse_credentials_json("<xml/>").has_value());
}

TEST(AwsCredentialsParse, Iso8601Times) {
  EXPECT_EQ(parse_aws_time("2024-01-15T12:34:56Z"), at(2024, 1, 15, 12, 34, 56));
  EXPECT_EQ(parse_aws_time(" 2024-01-15T12:34:56.5Z\n"), at(2024, 1, 15, 12, 34, 56) + 500ms);
  EXPECT_EQ(parse_aws_time("2024-01-15T12:34:56-02:30"), at(2024, 1, 15, 15, 4, 56));
  EXPECT_EQ(parse_aws_time("2024-02-29T00:00:00Z"), at(2024, 2, 29, 0, 0, 0));
  for (std::string_view bad : {"", "2024-01-15", "2024-01-15T12:34:56", "2023-02-29T00:00:00Z",
                               "2024-13-01T00:00:00Z", "2024-01-15T25:00:00Z", "2024-01-15T12:34:56.Z",
                               "2024-01-15T12:34:56Zjunk", "2024/01/15T12:34:56Z"}) {
    EXPECT_FALSE(parse_aws_time(bad).has_value()) << bad;
  }
  EXPECT_EQ(format_aws_time(at(2024, 1, 5, 2, 3, 4) + 999ms), "2024-01-05T02:03:04Z");
}

}  // namespace
}  // namespace gw::bedrock
