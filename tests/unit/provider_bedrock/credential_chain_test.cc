// The default credential chain's order and its environment variables.
#include "gw/providers/bedrock/credential_chain.h"

#include <map>

#include <gtest/gtest.h>

namespace gw::bedrock {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

const std::map<std::string, std::string> kEverything = {
    {"AWS_ACCESS_KEY_ID", "AKIAENV"},
    {"AWS_SECRET_ACCESS_KEY", "envsecret"},
    {"AWS_SESSION_TOKEN", "envtoken"},
    {"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
    {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/bedrock"},
    {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
    {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"},
};

Result<CredentialSourceSpec> choose(std::map<std::string, std::string> vars,
                                    std::string_view region = "us-east-1") {
  return choose_credential_source(env_of(std::move(vars)), region, "switchyard-42");
}

TEST(CredentialChain, OrderIsEnvironmentWebIdentityContainerInstanceMetadata) {
  auto vars = kEverything;
  auto s = choose(vars);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::Environment);
  EXPECT_EQ(s->env.access_key_id, "AKIAENV");
  EXPECT_EQ(s->env.secret_access_key, "envsecret");
  EXPECT_EQ(s->env.session_token, "envtoken");

  vars.erase("AWS_ACCESS_KEY_ID");
  vars.erase("AWS_SECRET_ACCESS_KEY");
  s = choose(vars);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::WebIdentity);

  vars.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  vars.erase("AWS_ROLE_ARN");
  s = choose(vars);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::Container);
  EXPECT_EQ(s->container_url, "http://169.254.170.2/v2/credentials/abc");  // relative URI first

  vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  s = choose(vars);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->container_url, "http://169.254.170.23/v1/credentials");

  vars.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  s = choose(vars);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::InstanceMetadata);
  EXPECT_EQ(s->imds_endpoint, "http://169.254.169.254");

  vars["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  s = choose(vars);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("no AWS credentials"), std::string::npos);
}

TEST(CredentialChain, WebIdentityEndpointRegionAndSessionName) {
  std::map<std::string, std::string> vars = {
      {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}};
  auto s = choose(vars, "eu-west-1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->sts_url, "https://sts.eu-west-1.amazonaws.com/");  // the provider's region
  EXPECT_EQ(s->session_name, "switchyard-42");
  EXPECT_EQ(s->token_file, "/t");

  vars["AWS_REGION"] = "us-west-2";
  vars["AWS_ROLE_SESSION_NAME"] = "gw";
  s = choose(vars, "eu-west-1");
  EXPECT_EQ(s->sts_url, "https://sts.us-west-2.amazonaws.com/");
  EXPECT_EQ(s->session_name, "gw");

  vars["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9000/";
  s = choose(vars, "eu-west-1");
  EXPECT_EQ(s->sts_url, "http://127.0.0.1:9000/");
  EXPECT_NE(s->describe().find("arn:aws:iam::1:role/r"), std::string::npos);
}

TEST(CredentialChain, HalfConfiguredSourcesAreErrors) {
  auto a = choose({{"AWS_ACCESS_KEY_ID", "AKIA"}});
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  auto w = choose({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}});
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message.find("AWS_ROLE_ARN"), std::string::npos);
  // A plain-http container URI must stay on this machine or go to the AWS agents.
  auto c = choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/creds"}});
  ASSERT_FALSE(c.has_value());
  EXPECT_TRUE(choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example/x"}}).has_value());
  EXPECT_TRUE(choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/x"}}).has_value());
  EXPECT_TRUE(choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]/v1"}}).has_value());
  EXPECT_FALSE(choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1.evil.example/x"}}).has_value());
  EXPECT_FALSE(choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "not a url"}}).has_value());
}

TEST(CredentialChain, ContainerAuthorizationTokenFileWinsOverTheVariable) {
  auto s = choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:1/c"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/f"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline"}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->auth_token_file, "/f");
  EXPECT_TRUE(s->auth_token.empty());
  // describe() is for logs: it never carries the token itself.
  auto t = choose({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:1/c"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline-secret"}});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->auth_token, "inline-secret");
  EXPECT_EQ(t->describe().find("inline-secret"), std::string::npos);
  EXPECT_EQ(t->key().find("inline-secret"), std::string::npos);
}

TEST(CredentialChain, InstanceMetadataEndpointOverride) {
  auto s = choose({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:7777/"},
                   {"AWS_EC2_METADATA_DISABLED", "false"}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->kind, SourceKind::InstanceMetadata);
  EXPECT_EQ(s->imds_endpoint, "http://127.0.0.1:7777");
}

}  // namespace
}  // namespace gw::bedrock
