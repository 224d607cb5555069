// ${VAR} unquoted inside a flow collection: YAML takes its braces for its own, so the syntax error
// gets a hint to quote the value. Variables are never expanded in the raw text (a value holding
// ": " or "#" would change the document), but a quoted reference is expanded in any field.
#include <gtest/gtest.h>

#include "gw/config/load.h"
#include "test_env.h"

namespace gw::config {
namespace {

using testing::all_problems;
using testing::has_problem;
using testing::load;

constexpr const char* kHead = R"(providers:
  p: { type: openai, base_url: "http://h/v1" }
models:
  m:
    deployments:
      - provider: p
        model: x
)";

TEST(ConfigFlowVariable, UnquotedInAFlowMapGetsAHintToQuoteIt) {
  auto r = load(std::string(kHead) + "        price: { input: ${PIN:-1}, output: 2 }\n");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_TRUE(has_problem(r, "", 8, "invalid YAML: end of map flow not found"));
  EXPECT_TRUE(has_problem(r, "", 8, R"(must be quoted)"));
  EXPECT_TRUE(has_problem(r, "", 8, R"(write input: "${PIN:-1}")")) << all_problems(r);
}

TEST(ConfigFlowVariable, TheHintAlsoComesForListsAndCollectionsOpenedEarlier) {
  auto list = load("keys:\n  - name: a\n    key: k\n    models: [a, ${M:-x}]\n");
  EXPECT_TRUE(has_problem(list, "", 4, R"(write "${M:-x}")"));
  auto multi = load(std::string(kHead) +
                    "        price: {\n"
                    "          input: ${PIN},\n"
                    "          output: 2 }\n");
  EXPECT_TRUE(has_problem(multi, "", 9, R"(write input: "${PIN}")"));
  auto two = load(std::string(kHead) + "        price: { input: ${PIN}, output: ${POUT} }\n");
  EXPECT_TRUE(has_problem(two, "", 8, R"(write input: "${PIN}")"));
  auto url = load("providers: { p: { type: openai, base_url: http://${H}/v1 } }\n");
  EXPECT_TRUE(has_problem(url, "", 1, R"(write base_url: "http://${H}/v1")"));
}

TEST(ConfigFlowVariable, OtherSyntaxErrorsGetNoHint) {
  auto r = load("listen: [a, b\nmaster_key: ${MK}\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].what.find("quoted"), std::string::npos) << r.problems[0].what;
  auto tab = load("providers: { p: x\n");
  ASSERT_EQ(tab.problems.size(), 1u);
  EXPECT_EQ(tab.problems[0].what.find("quoted"), std::string::npos) << tab.problems[0].what;
}

TEST(ConfigFlowVariable, AQuotedReferenceIsExpandedInANumericField) {
  const std::string yaml =
      std::string(kHead) + "        price: { input: \"${PIN:-1}\", output: '${POUT}' }\n";
  auto set = load(yaml, {{"PIN", "2.5"}, {"POUT", "10"}});
  ASSERT_TRUE(set.config.has_value()) << all_problems(set);
  const Price& p = set.config->models.at("m").deployments.at(0).price;
  EXPECT_EQ(p.input, 2'500'000);
  EXPECT_EQ(p.output, 10'000'000);
  auto fallback = load(yaml, {{"POUT", "0"}});
  ASSERT_TRUE(fallback.config.has_value()) << all_problems(fallback);
  EXPECT_EQ(fallback.config->models.at("m").deployments.at(0).price.input, 1'000'000);
}

TEST(ConfigFlowVariable, AValueThatLooksLikeYamlStaysOneValue) {
  // Expanded after parsing: a secret with ": " or " #" is a value, not structure or a comment.
  auto r = load("master_key: ${MK}\nlisten: 127.0.0.1:4000\n", {{"MK", "a: b #c\nlisten: x"}});
  ASSERT_TRUE(r.config.has_value()) << all_problems(r);
  EXPECT_EQ(r.config->master_key, "a: b #c\nlisten: x");
  EXPECT_EQ(r.config->listen, "127.0.0.1:4000");
}

}  // namespace
}  // namespace gw::config
