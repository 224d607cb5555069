#include "gw/admin/admin_routes.h"

#include <gtest/gtest.h>

#include "admin_test_util.h"
#include "gw/admin/query_string.h"

namespace gw {
namespace {

using test::json;

class AdminRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = test::temp_db("routes");
    cfg_.keys.push_back(config::StaticKey{"team-a", "sk-static", {}, 60, std::nullopt, std::nullopt, 0});
    for (const char* m : {"m-oa", "m-an"}) {
      cfg_.models.emplace(m, config::Model{.name = m});
    }
    keys_ = make_key_store(cfg_, path, clock_);
    ledger_ = make_sqlite_ledger(path, config::LedgerSync::Strict, clock_);
  }
  ClientReply call(std::string_view method, std::string_view target, std::string_view body = "") {
    return handle_admin(method, target, body, cfg_, *keys_, *ledger_);
  }
  void expect_error(const ClientReply& r, unsigned status, std::string_view type) {
    EXPECT_EQ(r.status, status) << r.body;
    auto v = json(r.body);
    EXPECT_EQ(v.at("error").at("type").as_string(), type);
    EXPECT_TRUE(v.at("error").at("message").is_string());
    EXPECT_EQ(find_header(r.headers, "content-type"), "application/json");
  }

  config::Config cfg_;
  ManualClock clock_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(AdminRoutes, CreateListRevokeKeys) {
  auto created = call("POST", "/admin/keys",
                      R"({"name":"dyn","models":["m-oa"],"rpm":100,"tpm":5000,"budget":{"usd":12.5,"period":"week"}})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto c = json(created.body);
  const std::string id(c.at("id").as_string());
  const std::string secret(c.at("key").as_string());
  EXPECT_EQ(c.at("name").as_string(), "dyn");
  EXPECT_EQ(c.at("rpm").as_int64(), 100);
  EXPECT_EQ(c.at("budget").at("period").as_string(), "week");
  EXPECT_NE(created.body.find(R"("usd":12.5,)"), std::string::npos) << created.body;
  auto who = keys_->authenticate(secret);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->budget->nano_usd, 12'500'000'000);
  EXPECT_EQ(who->tpm, 5000);

  auto listed = call("GET", "/admin/keys");
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "never a secret in a listing";
  EXPECT_EQ(listed.body.find("sk-static"), std::string::npos);
  auto l = json(listed.body).at("keys").as_array();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].at("id").as_string(), "cfg:team-a");
  EXPECT_TRUE(l[0].at("from_config").as_bool());
  EXPECT_EQ(l[1].at("id").as_string(), id);
  EXPECT_FALSE(l[1].at("revoked").as_bool());

  auto revoked = call("DELETE", "/admin/keys/" + id);
  EXPECT_EQ(revoked.status, 200u) << revoked.body;
  EXPECT_FALSE(keys_->authenticate(secret));
  EXPECT_TRUE(json(call("GET", "/admin/keys").body).at("keys").at(1).at("revoked").as_bool());
}

TEST_F(AdminRoutes, RevokeErrors) {
  expect_error(call("DELETE", "/admin/keys/cfg%3Ateam-a"), 400, "invalid_request_error");
  EXPECT_TRUE(keys_->authenticate("sk-static"));
  expect_error(call("DELETE", "/admin/keys/key_missing"), 404, "not_found_error");
  expect_error(call("DELETE", "/admin/keys/"), 405, "invalid_request_error");
}

TEST_F(AdminRoutes, BadKeyBodiesAre400) {
  for (const char* body : {"", "not json", "[]", R"({"models":["a"]})", R"({"name":""})", R"({"name":5})",
                           R"({"name":"x","rpm":0})", R"({"name":"x","tpm":-1})", R"({"name":"x","rpm":1.5})",
                           R"({"name":"x","models":"a"})", R"({"name":"x","models":[1]})",
                           R"({"name":"x","budget":5})", R"({"name":"x","budget":{"period":"day"}})",
                           R"({"name":"x","budget":{"usd":1,"period":"fortnight"}})",
                           R"({"name":"x","budget":{"usd":-1}})", R"({"name":"x","budget":{"usd":0.0000000001}})",
                           R"({"name":"x","colour":"red"})", R"({"name":"team-a"})",
                           // A NUL byte is a control character like the others (it used to end the
                           // name there: "team-a\u0000-b" became a second "team-a")
                           R"({"name":"team-b\u0000-c"})", R"({"name":"x","models":["m-oa\u0000"]})"}) {
    SCOPED_TRACE(body);
    expect_error(call("POST", "/admin/keys", body), 400, "invalid_request_error");
  }
  EXPECT_EQ(json(call("GET", "/admin/keys").body).at("keys").as_array().size(), 1u) << "nothing created";
}

TEST_F(AdminRoutes, AnEmptyModelsListIs400NotEveryModel) {
  // `models: []` is not "absent": a key meant for no model must not come out allowed every model.
  expect_error(call("POST", "/admin/keys", R"({"name":"none","models":[]})"), 400, "invalid_request_error");
  EXPECT_EQ(json(call("GET", "/admin/keys").body).at("keys").as_array().size(), 1u) << "nothing created";
  EXPECT_EQ(call("POST", "/admin/keys", R"({"name":"all","models":null})").status, 201u) << "null: not given";
}

// The config file's keys: section refuses a model it does not serve; a created key is held to
// the same rule, or a typo would make a key refused (403) every model it was meant for.
TEST_F(AdminRoutes, AModelTheConfigDoesNotServeIs400NamingIt) {
  auto r = call("POST", "/admin/keys", R"({"name":"x","models":["m-oa","nosuch"]})");
  expect_error(r, 400, "invalid_request_error");
  auto e = json(r.body).at("error");
  EXPECT_EQ(e.at("param").as_string(), "models[1]");
  const std::string message(e.at("message").as_string());
  EXPECT_NE(message.find("models[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("'nosuch'"), std::string::npos) << message;
  EXPECT_NE(message.find("m-an, m-oa"), std::string::npos) << "lists what the config serves: " << message;
  EXPECT_EQ(json(call("GET", "/admin/keys").body).at("keys").as_array().size(), 1u) << "nothing created";
  EXPECT_EQ(call("POST", "/admin/keys", R"({"name":"x","models":["m-an","m-oa"]})").status, 201u);
}

TEST_F(AdminRoutes, BudgetUsdAcceptsIntegersAndDecimalStringsExactly) {
  auto a = call("POST", "/admin/keys", R"({"name":"a","budget":{"usd":100}})");
  ASSERT_EQ(a.status, 201u) << a.body;
  EXPECT_NE(a.body.find(R"("budget":{"usd":100,"period":"month"})"), std::string::npos) << a.body;
  auto b = call("POST", "/admin/keys", R"({"name":"b","budget":{"usd":"0.000000001","period":"total"}})");
  ASSERT_EQ(b.status, 201u) << b.body;
  EXPECT_NE(b.body.find(R"("usd":0.000000001)"), std::string::npos) << b.body;
  auto c = call("POST", "/admin/keys", R"({"name":"c","budget":{"usd":0.1}})");
  ASSERT_EQ(c.status, 201u);
  EXPECT_EQ(keys_->authenticate(std::string(json(c.body).at("key").as_string()))->budget->nano_usd, 100'000'000);
}

TEST_F(AdminRoutes, UsageGroupsAndOmitsUngroupedFields) {
  test::record_sync(*ledger_, test::usage_record("r1", 1'700'000'000'000, "k1", "m-oa", "oa", "emu-ok", 10, 5,
                                                 3'705'036'000));
  test::record_sync(*ledger_, test::usage_record("r2", 1'700'000'100'000, "k1", "m-an", "an", "claude-ok", 20, 6, 1));
  test::record_sync(*ledger_, test::usage_record("r3", 1'700'000'200'000, "k2", "m-oa", "oa", "emu-ok", 30, 7, 2));

  auto r = call("GET", "/admin/usage?group_by=key,model,provider");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto rows = json(r.body).at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  const auto& first = rows[0].as_object();
  EXPECT_EQ(first.at("key").as_string(), "k1");
  EXPECT_EQ(first.at("model").as_string(), "m-an");
  EXPECT_EQ(first.at("provider").as_string(), "an");
  EXPECT_FALSE(first.contains("deployment"));
  EXPECT_EQ(first.at("requests").as_int64(), 1);
  EXPECT_EQ(first.at("input_tokens").as_int64(), 20);
  EXPECT_EQ(first.at("output_tokens").as_int64(), 6);
  EXPECT_NE(r.body.find(R"("cost_usd":3.705036})"), std::string::npos) << "exact decimal text: " << r.body;

  auto by_key = json(call("GET", "/admin/usage?group_by=key").body).at("rows").as_array();
  ASSERT_EQ(by_key.size(), 2u);
  EXPECT_EQ(by_key[0].at("requests").as_int64(), 2);
  EXPECT_FALSE(by_key[0].as_object().contains("model"));
  EXPECT_FALSE(by_key[0].as_object().contains("provider"));

  auto by_dep = json(call("GET", "/admin/usage?group_by=deployment").body).at("rows").as_array();
  ASSERT_EQ(by_dep.size(), 2u);
  EXPECT_EQ(by_dep[0].at("deployment").as_string(), "claude-ok");
  EXPECT_FALSE(by_dep[0].as_object().contains("key"));

  auto total = json(call("GET", "/admin/usage").body).at("rows").as_array();
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total[0].at("requests").as_int64(), 3);
  EXPECT_EQ(total[0].as_object().size(), 6u) << "no grouped fields at all";
}

TEST_F(AdminRoutes, UsageSinceAndUntil) {
  test::record_sync(*ledger_, test::usage_record("a", 1'700'000'000'000, "k", "m", "p", "d", 1, 1, 1));
  test::record_sync(*ledger_, test::usage_record("b", 1'700'000'060'000, "k", "m", "p", "d", 1, 1, 1));
  // 1'700'000'060'000 ms = 2023-11-14T22:14:20Z
  auto since = json(call("GET", "/admin/usage?group_by=key&since=2023-11-14T22%3A14%3A20Z").body);
  EXPECT_EQ(since.at("rows").at(0).at("requests").as_int64(), 1);
  auto until = json(call("GET", "/admin/usage?group_by=key&until=2023-11-14T22:14:20.000Z").body);
  EXPECT_EQ(until.at("rows").at(0).at("requests").as_int64(), 1);
  auto future = call("GET", "/admin/usage?group_by=key&since=2099-01-01T00:00:00.000Z");
  EXPECT_EQ(future.body, R"({"rows":[]})");
  auto offset = json(call("GET", "/admin/usage?since=2023-11-15T00:14:20%2B02:00").body);
  EXPECT_EQ(offset.at("rows").at(0).at("requests").as_int64(), 1);
}

TEST_F(AdminRoutes, UsageSinceWithAnUnencodedPlusOffset) {
  test::record_sync(*ledger_, test::usage_record("a", 1'700'000'000'000, "k", "m", "p", "d", 1, 1, 1));
  test::record_sync(*ledger_, test::usage_record("b", 1'700'000'060'000, "k", "m", "p", "d", 1, 1, 1));
  // As curl sends it: the '+' not percent-encoded. 00:14:20+02:00 is 22:14:20Z, the second record.
  auto since = call("GET", "/admin/usage?since=2023-11-15T00:14:20+02:00");
  ASSERT_EQ(since.status, 200u) << since.body;
  EXPECT_EQ(json(since.body).at("rows").at(0).at("requests").as_int64(), 1);
  auto until = call("GET", "/admin/usage?until=2023-11-15T00:14:20.5+02:00");
  ASSERT_EQ(until.status, 200u) << until.body;
  EXPECT_EQ(json(until.body).at("rows").at(0).at("requests").as_int64(), 2);
  // A negative offset never needed encoding.
  auto minus = json(call("GET", "/admin/usage?since=2023-11-14T20:14:20-02:00").body);
  EXPECT_EQ(minus.at("rows").at(0).at("requests").as_int64(), 1);
}

TEST_F(AdminRoutes, UsageBadInputIs400) {
  expect_error(call("GET", "/admin/usage?group_by=colour"), 400, "invalid_request_error");
  expect_error(call("GET", "/admin/usage?since=yesterday"), 400, "invalid_request_error");
  expect_error(call("GET", "/admin/usage?until=2024-13-01T00:00:00Z"), 400, "invalid_request_error");
  expect_error(call("GET", "/admin/usage?limit=5"), 400, "invalid_request_error");
  expect_error(call("GET", "/admin/usage?since=%zz"), 400, "invalid_request_error");
}

TEST_F(AdminRoutes, UnknownRoutesAndMethods) {
  expect_error(call("GET", "/admin/nothing"), 404, "not_found_error");
  expect_error(call("GET", "/admin"), 404, "not_found_error");
  auto r = call("PUT", "/admin/keys");
  expect_error(r, 405, "invalid_request_error");
  EXPECT_EQ(find_header(r.headers, "allow"), "GET, POST");
  expect_error(call("POST", "/admin/usage"), 405, "invalid_request_error");
  EXPECT_EQ(call("GET", "/admin/keys/").status, 200u) << "a trailing slash is tolerated";
}

TEST(QueryString, DecodesPathAndParameters) {
  auto t = parse_target("/admin/keys/cfg%3Aa?x=1&y=a+b%2Cc&&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/admin/keys/cfg:a");
  ASSERT_EQ(t->query.size(), 3u);
  EXPECT_EQ(t->query[1], (std::pair<std::string, std::string>{"y", "a b,c"}));
  EXPECT_EQ(t->query[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_FALSE(parse_target("/x?a=%4"));
}

}  // namespace
}  // namespace gw
