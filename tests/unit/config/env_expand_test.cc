#include <gtest/gtest.h>

#include <cstdlib>

#include "gw/config/load.h"
#include "test_env.h"

namespace gw::config {
namespace {

using testing::env_of;

std::string expand_ok(const std::string& in, const EnvLookup& env) {
  std::string error;
  auto out = expand_env(in, env, &error);
  EXPECT_TRUE(out.has_value()) << in << ": " << error;
  return out.value_or("<failed>");
}

std::string expand_error(const std::string& in, const EnvLookup& env) {
  std::string error;
  auto out = expand_env(in, env, &error);
  EXPECT_FALSE(out.has_value()) << in << " expanded to " << out.value_or("");
  return error;
}

TEST(ExpandEnv, PlainTextIsUnchanged) {
  auto env = env_of({});
  EXPECT_EQ(expand_ok("", env), "");
  EXPECT_EQ(expand_ok("https://api.example.com/v1", env), "https://api.example.com/v1");
  EXPECT_EQ(expand_ok("{not a reference}", env), "{not a reference}");
}

TEST(ExpandEnv, ReplacesVariablesAnywhereInTheString) {
  auto env = env_of({{"HOST", "db.local"}, {"PORT", "5432"}, {"_X1", "y"}});
  EXPECT_EQ(expand_ok("${HOST}", env), "db.local");
  EXPECT_EQ(expand_ok("postgres://u@${HOST}:${PORT}/db", env), "postgres://u@db.local:5432/db");
  EXPECT_EQ(expand_ok("${_X1}${_X1}", env), "yy");
}

TEST(ExpandEnv, UnsetWithoutDefaultIsEmpty) {
  auto env = env_of({});
  EXPECT_EQ(expand_ok("${SWITCHYARD_MASTER_KEY}", env), "");
  EXPECT_EQ(expand_ok("a${MISSING}b", env), "ab");
}

TEST(ExpandEnv, DefaultsApplyWhenUnsetOrEmpty) {
  auto env = env_of({{"SET", "value"}, {"EMPTY", ""}});
  EXPECT_EQ(expand_ok("${UNSET:-fallback}", env), "fallback");
  EXPECT_EQ(expand_ok("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(expand_ok("${SET:-fallback}", env), "value");
  EXPECT_EQ(expand_ok("${UNSET:-}", env), "");
  EXPECT_EQ(expand_ok("${UNSET:-127.0.0.1:4000}", env), "127.0.0.1:4000");
  EXPECT_EQ(expand_ok("${UNSET:-a b c}", env), "a b c");
}

TEST(ExpandEnv, DefaultsNest) {
  auto env = env_of({{"B", "bee"}});
  EXPECT_EQ(expand_ok("${A:-${B}}", env), "bee");
  EXPECT_EQ(expand_ok("${A:-${C:-sea}}", env), "sea");
  EXPECT_EQ(expand_ok("${A:-x${B}y}", env), "xbeey");
  EXPECT_EQ(expand_ok("${B:-${A:-unused}}", env), "bee");
  EXPECT_EQ(expand_ok("${A:-{\"k\":{}}}", env), "{\"k\":{}}");  // balanced braces in a default
}

TEST(ExpandEnv, DoubleDollarIsALiteralDollar) {
  auto env = env_of({{"A", "x"}});
  EXPECT_EQ(expand_ok("$$", env), "$");
  EXPECT_EQ(expand_ok("$${A}", env), "${A}");
  EXPECT_EQ(expand_ok("p$$w$$$${A}", env), "p$w$${A}");
  EXPECT_EQ(expand_ok("${U:-$$5}", env), "$5");
}

TEST(ExpandEnv, LoneDollarIsKept) {
  auto env = env_of({});
  EXPECT_EQ(expand_ok("pa$word", env), "pa$word");
  EXPECT_EQ(expand_ok("cost$", env), "cost$");
}

TEST(ExpandEnv, ValuesAreNotExpandedAgain) {
  auto env = env_of({{"A", "${B}"}, {"B", "secret"}});
  EXPECT_EQ(expand_ok("${A}", env), "${B}");
}

TEST(ExpandEnv, MalformedReferencesAreErrors) {
  auto env = env_of({});
  EXPECT_NE(expand_error("${UNCLOSED", env).find("no closing '}'"), std::string::npos);
  EXPECT_NE(expand_error("abc${", env).find("column 4"), std::string::npos);
  EXPECT_NE(expand_error("${}", env).find("variable name"), std::string::npos);
  EXPECT_NE(expand_error("${1ABC}", env).find("variable name"), std::string::npos);
  EXPECT_NE(expand_error("${A B}", env).find("must be followed by"), std::string::npos);
  EXPECT_NE(expand_error("${A-x}", env).find("must be followed by"), std::string::npos);
  EXPECT_NE(expand_error("${A:-x", env).find("no closing '}'"), std::string::npos);
  EXPECT_NE(expand_error("${A:-${B:-x}", env).find("no closing '}'"), std::string::npos);
  EXPECT_NE(expand_error("${A:-{x}", env).find("no closing '}'"), std::string::npos);
}

TEST(ExpandEnv, NullErrorPointerIsAllowed) {
  EXPECT_FALSE(expand_env("${", env_of({}), nullptr).has_value());
}

TEST(ExpandEnv, ProcessEnvReadsTheEnvironment) {
  ::setenv("GW_CONFIG_TEST_VAR", "from-process", 1);
  ::unsetenv("GW_CONFIG_TEST_UNSET");
  auto env = process_env();
  EXPECT_EQ(env("GW_CONFIG_TEST_VAR"), std::optional<std::string>("from-process"));
  EXPECT_EQ(env("GW_CONFIG_TEST_UNSET"), std::nullopt);
}

}  // namespace
}  // namespace gw::config
