// The AWS shared config files: strict INI parsing, profile naming in both files, and the source
// a profile describes (shared_config.h), also as the chain's step after the environment.
#include "gw/providers/bedrock/shared_config.h"

#include <gtest/gtest.h>

namespace gw::bedrock {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(Ini, SectionsKeysCommentsAndSubSettings) {
  auto r = parse_ini(
      "# a comment\n"
      "; another\n"
      "\n"
      "[default]\r\n"
      "aws_access_key_id = AKIDEFAULT\r\n"
      "AWS_Secret_Access_Key=s3cr/et+key   # trailing comment\n"
      "region = us-west-2 ; also a comment\n"
      "s3 =\n"
      "  max_concurrent_requests = 10\n"
      "\taddressing_style = path\n"
      "[ profile dev ]\n"
      "role_arn = arn:aws:iam::123:role/dev#notacomment\n"
      "[default]\n"
      "aws_session_token = tok\n",
      "creds");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const auto& d = r->at("default");
  EXPECT_EQ(d.at("aws_access_key_id"), "AKIDEFAULT");
  EXPECT_EQ(d.at("aws_secret_access_key"), "s3cr/et+key");  // keys lower-cased, comment gone
  EXPECT_EQ(d.at("region"), "us-west-2");
  EXPECT_EQ(d.at("s3"), "");
  EXPECT_FALSE(d.contains("max_concurrent_requests"));  // a sub-setting of s3
  EXPECT_EQ(d.at("aws_session_token"), "tok");           // a repeated section adds to the first
  EXPECT_EQ(r->at("profile dev").at("role_arn"), "arn:aws:iam::123:role/dev#notacomment");
}

TEST(Ini, MalformedLinesAreErrorsWithFileAndLineNeverTheText) {
  struct Case {
    const char* text;
    const char* line;
  };
  for (const Case& c : {Case{"[default]\naws_secret_access_key\n", "line 2"},
                        Case{"aws_access_key_id = SECRETX\n", "line 1"},
                        Case{"[default\nx = SECRETX\n", "line 1"},
                        Case{"[]\n", "line 1"},
                        Case{"[default]\nregion = us-east-1\n  SECRETX = 1\n", "line 3"},
                        Case{"[default]\n= SECRETX\n", "line 2"},
                        Case{"[default]\nmy key = SECRETX\n", "line 2"}}) {
    auto r = parse_ini(c.text, "/home/u/.aws/credentials");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_NE(r.error().message.find("/home/u/.aws/credentials " + std::string(c.line)), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("SECRETX"), std::string::npos) << r.error().message;
  }
}

TEST(SharedFiles, ConfigProfilesNeedThePrefixAndTheCredentialsFileWins) {
  auto f = shared_files_from(
      "[default]\naws_access_key_id = AKIDCRED\naws_secret_access_key = sc\n"
      "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = sd\n",
      "[default]\nregion = eu-west-1\naws_access_key_id = AKIDCONFIG\n"
      "[profile dev]\nregion = us-east-2\n"
      "[staging]\naws_access_key_id = AKIDNOTAPROFILE\naws_secret_access_key = x\n"
      "[sso-session corp]\nsso_region = us-east-1\n");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  auto d = f->profile("default");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->at("aws_access_key_id"), "AKIDCRED");  // the credentials file over the config file
  EXPECT_EQ(d->at("region"), "eu-west-1");
  auto dev = f->profile("dev");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->at("region"), "us-east-2");
  EXPECT_EQ(dev->at("aws_access_key_id"), "AKIDDEV");
  // In the config file a profile other than default needs "profile ": [staging] is none.
  EXPECT_FALSE(f->profile("staging").has_value());
  EXPECT_FALSE(f->profile("corp").has_value());
  EXPECT_FALSE(f->profile("sso-session corp").has_value());
}

TEST(ProfileSource, StaticKeysRolesAndWhatIsMissing) {
  auto f = shared_files_from(
      "[default]\naws_access_key_id = AKIDEF\naws_secret_access_key = SECRETDEF\n"
      "[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = SECRETTEMP\naws_session_token = TOKTEMP\n"
      "[half]\naws_access_key_id = AKIDHALF\n"
      "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n",
      "[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\nrole_session_name = ops-s\n"
      "external_id = ext-1\nregion = eu-central-1\n"
      "[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = /var/run/token\n"
      "[profile chained]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = ops\n"
      "[profile lost]\nrole_arn = arn:aws:iam::1:role/l\nsource_profile = nowhere\n"
      "[profile keyless-source]\nrole_arn = arn:aws:iam::1:role/k\nsource_profile = regiononly\n"
      "[profile regiononly]\nregion = us-east-1\n"
      "[profile roleonly]\nrole_arn = arn:aws:iam::1:role/x\n"
      "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\n",
      "/c", "/f");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  const auto env = env_of({});

  auto d = profile_source(*f, "default", env, "us-east-1", "sess");
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->kind, SourceKind::SharedProfile);
  EXPECT_EQ(d->env.access_key_id, "AKIDEF");
  EXPECT_EQ(d->env.secret_access_key, "SECRETDEF");
  EXPECT_EQ(d->env.session_token, "");
  auto t = profile_source(*f, "temp", env, "us-east-1", "sess");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->env.session_token, "TOKTEMP");

  auto ops = profile_source(*f, "ops", env, "us-east-1", "sess");
  ASSERT_TRUE(ops.has_value()) << ops.error().message;
  EXPECT_EQ(ops->kind, SourceKind::AssumeRole);
  EXPECT_EQ(ops->role_arn, "arn:aws:iam::1:role/ops");
  EXPECT_EQ(ops->session_name, "ops-s");
  EXPECT_EQ(ops->external_id, "ext-1");
  EXPECT_EQ(ops->env.access_key_id, "AKIDBASE");  // signed with the source profile's keys
  EXPECT_EQ(ops->sts_region, "eu-central-1");       // the profile's region before the provider's
  EXPECT_EQ(ops->sts_url, "https://sts.eu-central-1.amazonaws.com/");
  EXPECT_EQ(ops->describe().find("SECRETBASE"), std::string::npos);
  // AWS_ENDPOINT_URL_STS and AWS_REGION as the SDKs read them.
  auto local = profile_source(*f, "ops", env_of({{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/"}, {"AWS_REGION", "ap-south-1"}}),
                              "us-east-1", "sess");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->sts_url, "http://127.0.0.1:9/");
  EXPECT_EQ(local->sts_region, "ap-south-1");

  auto web = profile_source(*f, "web", env, "us-west-2", "sess");
  ASSERT_TRUE(web.has_value()) << web.error().message;
  EXPECT_EQ(web->kind, SourceKind::WebIdentity);
  EXPECT_EQ(web->token_file, "/var/run/token");
  EXPECT_EQ(web->session_name, "sess");
  EXPECT_EQ(web->sts_url, "https://sts.us-west-2.amazonaws.com/");

  auto error_of = [&](const std::string& name) {
    auto r = profile_source(*f, name, env, "us-east-1", "sess");
    EXPECT_FALSE(r.has_value()) << name;
    const std::string m = r ? std::string() : r.error().message;
    EXPECT_EQ(m.rfind("profile " + name + " (/c, /f): ", 0), 0u) << m;
    for (const char* secret : {"SECRETDEF", "SECRETBASE", "AKIDHALF", "AKIDBASE"}) {
      EXPECT_EQ(m.find(secret), std::string::npos) << m;
    }
    return m;
  };
  EXPECT_NE(error_of("absent").find("no such profile"), std::string::npos);
  EXPECT_NE(error_of("half").find("aws_access_key_id without aws_secret_access_key"), std::string::npos);
  EXPECT_NE(error_of("chained").find("assumes a role itself"), std::string::npos);
  EXPECT_NE(error_of("lost").find("source_profile nowhere does not exist"), std::string::npos);
  EXPECT_NE(error_of("keyless-source").find("has no aws_access_key_id"), std::string::npos);
  EXPECT_NE(error_of("regiononly").find("no credentials"), std::string::npos);
  EXPECT_NE(error_of("roleonly").find("needs source_profile or web_identity_token_file"), std::string::npos);
  EXPECT_NE(error_of("sso").find("sso_start_url is not supported"), std::string::npos);
}

TEST(CredentialChainProfiles, EnvironmentThenProfileThenWebIdentity) {
  auto f = shared_files_from("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = sf\n"
                             "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = so\n",
                             "");
  ASSERT_TRUE(f.has_value());
  const std::map<std::string, std::string> irsa = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
                                                   {"AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa"}};
  // The environment's keys come first.
  auto vars = irsa;
  vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  vars["AWS_SECRET_ACCESS_KEY"] = "se";
  auto e = choose_credential_source(env_of(vars), "us-east-1", "s", "", &*f);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, SourceKind::Environment);
  // Then the default profile, before web identity.
  auto d = choose_credential_source(env_of(irsa), "us-east-1", "s", "", &*f);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, SourceKind::SharedProfile);
  EXPECT_EQ(d->env.access_key_id, "AKIDFILE");
  // AWS_PROFILE picks another, and must exist.
  vars = irsa;
  vars["AWS_PROFILE"] = "other";
  auto o = choose_credential_source(env_of(vars), "us-east-1", "s", "", &*f);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->env.access_key_id, "AKIDOTHER");
  vars["AWS_PROFILE"] = "missing";
  EXPECT_FALSE(choose_credential_source(env_of(vars), "us-east-1", "s", "", &*f).has_value());
  // The provider's profile is its only source, even with keys in the environment.
  vars = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "se"}};
  auto p = choose_credential_source(env_of(vars), "us-east-1", "s", "other", &*f);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->env.access_key_id, "AKIDOTHER");
  EXPECT_NE(p->key(), d->key());  // two profiles: two sources
  EXPECT_FALSE(choose_credential_source(env_of(vars), "us-east-1", "s", "nope", &*f).has_value());
  // A default profile without credentials (a region only) names no source: web identity is next.
  auto region_only = shared_files_from("", "[default]\nregion = us-east-1\n");
  ASSERT_TRUE(region_only.has_value());
  auto w = choose_credential_source(env_of(irsa), "us-east-1", "s", "", &*region_only);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->kind, SourceKind::WebIdentity);
}

TEST(SharedFiles, LoadedFromTheVariablesPathsAndMissingFilesAreEmpty) {
  const std::string dir = ::testing::TempDir();
  const std::string creds = dir + "/sy_creds_test";
  const std::string config = dir + "/sy_config_test";
  std::FILE* fc = std::fopen(creds.c_str(), "w");
  std::fputs("[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = st\n", fc);
  std::fclose(fc);
  std::remove(config.c_str());
  auto f = load_shared_files(env_of({{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}, {"HOME", "/nonexistent"}}));
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->credentials_path, creds);
  ASSERT_TRUE(f->profile("team").has_value());
  EXPECT_TRUE(f->profiles.empty());
  // A broken file is an error naming it.
  fc = std::fopen(config.c_str(), "w");
  std::fputs("[profile x\n", fc);
  std::fclose(fc);
  auto bad = load_shared_files(env_of({{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find(config + " line 1"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace gw::bedrock
