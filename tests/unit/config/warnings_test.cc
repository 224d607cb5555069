// config_warnings: a deployment without a price loads (house models may be free) but is named,
// since its usage would otherwise be billed at $0 without anyone having decided so.
#include "gw/config/warnings.h"

#include <gtest/gtest.h>

#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::load;

TEST(ConfigWarnings, ADeploymentWithoutAPriceIsNamedWithItsLine) {
  auto r = load(R"(providers:
  p: { type: openai, base_url: "http://h/v1" }
models:
  zeta:
    deployments:
      - provider: p
        model: priced
        price: { input: 1, output: 2 }
      - provider: p
        model: unpriced
  alpha:
    deployments:
      - { provider: p, model: free, price: { input: 0, output: 0 } }
      - { provider: p, model: forgotten }
)");
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  auto w = config_warnings(*r.config);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].to_string(),
            "test.yaml:9: models.zeta.deployments[1]: has no price: its usage will be billed at $0 "
            "(write price: {input: 0, output: 0} if it is free)");
  EXPECT_EQ(w[1].file, "test.yaml");
  EXPECT_EQ(w[1].line, 14);
  EXPECT_EQ(w[1].key, "models.alpha.deployments[1]");
}

TEST(ConfigWarnings, AZeroPriceIsNotWarnedAbout) {
  auto r = load(R"(providers:
  p: { type: openai, base_url: "http://h/v1" }
models:
  house: { deployments: [ { provider: p, model: x, price: { input: 0, output: 0 } } ] }
)");
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  EXPECT_TRUE(config_warnings(*r.config).empty());
}

}  // namespace
}  // namespace gw::config
