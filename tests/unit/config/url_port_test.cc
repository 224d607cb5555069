// base_url and authority_host: a port that is empty (an unset ${VAR}), not a number or out of
// range is a problem with its line, for every provider type; a URL parser would otherwise take
// `http://127.0.0.1:/v1` for the default port 80.
#include <gtest/gtest.h>

#include "gw/config/load.h"
#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::has_problem;
using testing::load;

TEST(ConfigUrlPort, AnEmptyPortAfterExpansionIsAProblemForEveryProviderType) {
  auto r = load(R"(providers:
  oa: { type: openai, base_url: "http://127.0.0.1:${EPORT}/v1" }
  az: { type: azure_openai, base_url: "https://127.0.0.1:${EPORT}", api_version: v, api_key: k }
  an: { type: anthropic, base_url: "http://127.0.0.1:${EPORT}", api_key: k }
  br: { type: bedrock, region: us-east-1, base_url: "http://127.0.0.1:${EPORT}" }
  vx: { type: vertex, project: p, region: us-east5, base_url: "http://127.0.0.1:${EPORT}" }
  sp:
    type: azure_openai
    base_url: https://r.openai.azure.com
    api_version: v
    tenant_id: t
    client_id: c
    client_secret: s
    authority_host: "http://127.0.0.1:${EPORT}/"
)");
  EXPECT_FALSE(r.config.has_value());
  for (auto [key, line] : {std::pair{"providers.oa.base_url", 2}, {"providers.az.base_url", 3},
                           {"providers.an.base_url", 4}, {"providers.br.base_url", 5},
                           {"providers.vx.base_url", 6}, {"providers.sp.authority_host", 14}}) {
    EXPECT_TRUE(has_problem(r, key, line, "has an empty port")) << key;
  }
  EXPECT_EQ(r.problems.size(), 6u) << all_problems(r);
}

TEST(ConfigUrlPort, NonNumericOrOutOfRangePortsAndMissingHostsAreProblems) {
  auto r = load(R"(providers:
  word: { type: openai, base_url: "http://h:http/v1" }
  zero: { type: openai, base_url: "http://h:0/v1" }
  big: { type: openai, base_url: "http://h:65536/v1" }
  long: { type: openai, base_url: "http://h:000080/v1" }
  v6: { type: openai, base_url: "http://[::1]:/v1" }
  v6junk: { type: openai, base_url: "http://[::1]x/v1" }
  nohost: { type: openai, base_url: "http://:8000/v1" }
  secret: { type: openai, base_url: "http://user:hunter2@h:${EPORT}/v1" }
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "providers.word.base_url", 2, "not a number from 1 to 65535"));
  EXPECT_TRUE(has_problem(r, "providers.zero.base_url", 3, "not a number from 1 to 65535"));
  EXPECT_TRUE(has_problem(r, "providers.big.base_url", 4, "not a number from 1 to 65535"));
  EXPECT_TRUE(has_problem(r, "providers.long.base_url", 5, "not a number from 1 to 65535"));
  EXPECT_TRUE(has_problem(r, "providers.v6.base_url", 6, "has an empty port"));
  EXPECT_TRUE(has_problem(r, "providers.v6junk.base_url", 7, "after the IPv6 address"));
  EXPECT_TRUE(has_problem(r, "providers.nohost.base_url", 8, "has no host"));
  EXPECT_TRUE(has_problem(r, "providers.secret.base_url", 9, "has an empty port"));
  EXPECT_EQ(all_problems(r).find("hunter2"), std::string::npos) << "never quotes the URL";
  EXPECT_EQ(r.problems.size(), 8u) << all_problems(r);
}

TEST(ConfigUrlPort, UsualUrlsStillLoad) {
  auto r = load(R"(providers:
  plain: { type: openai, base_url: "http://h/v1" }
  port: { type: openai, base_url: "http://127.0.0.1:${EPORT}/v1" }
  max: { type: openai, base_url: "https://h:65535" }
  v6: { type: openai, base_url: "http://[::1]:8000/v1" }
  v6bare: { type: openai, base_url: "http://[::1]/v1" }
  userinfo: { type: openai, base_url: "https://user:p:w@h/v1" }
  query: { type: openai, base_url: "https://h?x=1:2" }
)",
                {{"EPORT", "4010"}});
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  EXPECT_EQ(r.config->provider("port")->base_url, "http://127.0.0.1:4010/v1");
}

}  // namespace
}  // namespace gw::config
