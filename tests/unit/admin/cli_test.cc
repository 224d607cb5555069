#include "gw/admin/cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "admin_test_util.h"
#include "gw/storage/sqlite.h"

namespace gw {
namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test::temp_db("cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    cfg_.ledger = "sqlite://" + path_;
    cfg_.keys.push_back(config::StaticKey{"team-a", "sk-static", {"claude"}, 60, std::nullopt,
                                          config::Budget{100'000'000'000, config::BudgetPeriod::Month}, 0});
    for (const char* m : {"a", "b", "c", "claude"}) {
      cfg_.models.emplace(m, config::Model{.name = m});
    }
  }
  int keys(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return run_keys_command(cfg_, args, out_, err_);
  }
  int usage(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return run_usage_command(cfg_, args, out_, err_, clock_);
  }

  std::string path_;
  config::Config cfg_;
  ManualClock clock_{SystemTime{std::chrono::milliseconds{1'700'000'000'000}}};
  std::ostringstream out_, err_;
};

TEST_F(Cli, KeysCreatePrintsTheSecretOnceAndListShowsNoSecret) {
  ASSERT_EQ(keys({"create", "--name", "ci", "--models", "a,b", "--rpm", "10", "--tpm=2000", "--budget-usd",
                  "12.50", "--budget-period", "week"}),
            0)
      << err_.str();
  const std::string created = out_.str();
  const auto at = created.find("sk-sy-");
  ASSERT_NE(at, std::string::npos) << created;
  const std::string secret = created.substr(at, 6 + 48);
  auto store = make_key_store(cfg_);
  auto who = store->authenticate(secret);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->models, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(who->rpm, 10);
  EXPECT_EQ(who->tpm, 2000);
  EXPECT_EQ(who->budget->nano_usd, 12'500'000'000);
  EXPECT_EQ(who->budget->period, config::BudgetPeriod::Week);

  ASSERT_EQ(keys({"list"}), 0) << err_.str();
  const std::string table = out_.str();
  EXPECT_EQ(table.find("sk-"), std::string::npos) << table;
  EXPECT_NE(table.find("12.5 USD/week"), std::string::npos) << table;
  EXPECT_NE(table.find("cfg:team-a"), std::string::npos);
  EXPECT_NE(table.find("100 USD/month"), std::string::npos);
  // Columns line up: every line puts NAME at the same offset.
  std::istringstream lines(table);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.find("NAME"), first.find(" team-a ") + 1) << table;
  EXPECT_EQ(header.find("NAME"), second.find(" ci ") + 1) << table;
  EXPECT_NE(second.find("active"), std::string::npos);

  const std::string id = who->key_id;
  ASSERT_EQ(keys({"revoke", id}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "revoked " + id + "\n");
  EXPECT_FALSE(make_key_store(cfg_)->authenticate(secret));
  ASSERT_EQ(keys({"list"}), 0);
  EXPECT_NE(out_.str().find("revoked"), std::string::npos);
}

TEST_F(Cli, KeysArgumentErrors) {
  EXPECT_EQ(keys({}), 2);
  EXPECT_NE(err_.str().find("usage:"), std::string::npos);
  EXPECT_EQ(keys({"create"}), 2);
  EXPECT_EQ(keys({"create", "--name", "x", "--rpm", "ten"}), 2);
  EXPECT_EQ(keys({"create", "--name", "x", "--budget-usd", "-3"}), 2);
  EXPECT_EQ(keys({"create", "--name", "x", "--budget-period", "day"}), 2);
  EXPECT_EQ(keys({"create", "--name", "x", "--colour", "red"}), 2);
  EXPECT_EQ(keys({"revoke"}), 2);
  EXPECT_EQ(keys({"frobnicate"}), 2);
  EXPECT_EQ(keys({"revoke", "cfg:team-a"}), 1);
  EXPECT_NE(err_.str().find("config"), std::string::npos);
  EXPECT_EQ(keys({"revoke", "key_unknown"}), 1);
  EXPECT_EQ(keys({"create", "--name", "team-a"}), 1) << "the name is taken by a config key";
  EXPECT_EQ(keys({"list", "--config", "ignored.yaml"}), 0) << "main() already handled --config";
}

TEST_F(Cli, KeysCreateWithAnEmptyModelsListIsRefused) {
  // `--models ""` would otherwise create a key allowed every model.
  EXPECT_EQ(keys({"create", "--name", "none", "--models", ""}), 2);
  EXPECT_NE(err_.str().find("--models"), std::string::npos) << err_.str();
  EXPECT_EQ(keys({"create", "--name", "none", "--models=,"}), 2);
  ASSERT_EQ(keys({"list"}), 0);
  EXPECT_EQ(out_.str().find("none"), std::string::npos) << out_.str();
}

TEST_F(Cli, KeysCreateRefusesAModelTheConfigDoesNotServe) {
  EXPECT_EQ(keys({"create", "--name", "typo", "--models", "a,nosuch"}), 1);
  EXPECT_NE(err_.str().find("unknown model 'nosuch'"), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str(), "") << "no secret printed";
  ASSERT_EQ(keys({"list"}), 0);
  EXPECT_EQ(out_.str().find("typo"), std::string::npos) << out_.str();
}

TEST_F(Cli, KeysCreateModelsListToleratesSpacesAfterCommas) {
  ASSERT_EQ(keys({"create", "--name", "spaced", "--models", "a, b ,c"}), 0) << err_.str();
  const std::string created = out_.str();
  const auto at = created.find("sk-sy-");
  ASSERT_NE(at, std::string::npos) << created;
  auto who = make_key_store(cfg_)->authenticate(created.substr(at, 6 + 48));
  ASSERT_TRUE(who);
  EXPECT_EQ(who->models, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(Cli, UsageTableAndJson) {
  {
    auto ledger = make_ledger(cfg_, clock_);
    const int64_t now = unix_ms(clock_.now());
    test::record_sync(*ledger, test::usage_record("a", now - 3'600'000, "k1", "m-oa", "oa", "emu", 1234, 56, 3'705'036'000));
    test::record_sync(*ledger, test::usage_record("b", now - 60'000, "k1", "m-an", "an", "claude", 10, 5, 50'000'000));
    test::record_sync(*ledger, test::usage_record("c", now - 3 * 86'400'000LL, "k2", "m-oa", "oa", "emu", 7, 7, 1));
  }
  ASSERT_EQ(usage({"--by", "key", "--since", "24h"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "KEY  REQUESTS  INPUT_TOKENS  OUTPUT_TOKENS  COST_USD\n"
            "k1          2          1244             61  3.755036\n");

  ASSERT_EQ(usage({"--by", "key,model"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "KEY    MODEL  REQUESTS  INPUT_TOKENS  OUTPUT_TOKENS     COST_USD\n"
            "k1     m-an          1            10              5  0.050000000\n"
            "k1     m-oa          1          1234             56  3.705036000\n"
            "k2     m-oa          1             7              7  0.000000001\n"
            "TOTAL                3          1251             68  3.755036001\n");

  ASSERT_EQ(usage({"--by", "provider", "--since", "2h", "--json"}), 0) << err_.str();
  auto v = test::json(out_.str());
  auto rows = v.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("provider").as_string(), "an");
  EXPECT_FALSE(rows[0].as_object().contains("key"));
  EXPECT_NE(out_.str().find(R"("cost_usd":3.705036)"), std::string::npos);

  ASSERT_EQ(usage({"--since", "2099-01-01T00:00:00Z"}), 0);
  EXPECT_NE(out_.str().find("no usage"), std::string::npos);
}

TEST_F(Cli, UsageArgumentErrors) {
  EXPECT_EQ(usage({"--by", "colour"}), 2);
  EXPECT_EQ(usage({"--since", "yesterday"}), 2);
  EXPECT_EQ(usage({"--since"}), 2);
  EXPECT_EQ(usage({"extra"}), 2);
  EXPECT_NE(err_.str().find("usage:"), std::string::npos);
}

}  // namespace
}  // namespace gw
