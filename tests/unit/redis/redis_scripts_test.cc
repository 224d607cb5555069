// The reserve script computes budget periods in Lua, from Redis's clock; they must be exactly the
// periods budget_period.cc computes (and the memory limiter uses), on every kind of boundary.
#include "gw/limits/redis_scripts.h"

#include <gtest/gtest.h>

#include <thread>

#include "gw/config/budget_period.h"
#include "gw/redis/client.h"
#include "gw/storage/time_text.h"
#include "redis_test_server.h"

namespace gw {
namespace {

using namespace std::chrono_literals;

int64_t ms(const char* rfc3339) { return *storage::parse_rfc3339_ms(rfc3339); }

// Runs period_bounds(kind, t) in Redis for every t; returns start, end pairs.
std::vector<int64_t> lua_bounds(const std::string& kind, const std::vector<int64_t>& times) {
  static const redis::Script probe(std::string(budget_period_lua()) + R"lua(
local out = {}
for i = 2, #ARGV do
  local s, e = period_bounds(ARGV[1], tonumber(ARGV[i]))
  out[#out + 1] = s
  out[#out + 1] = e
end
return out
)lua");
  std::vector<std::string> args{kind};
  for (int64_t t : times) {
    args.push_back(std::to_string(t));
  }
  net::io_context io;
  redis::ClientOptions o;
  o.url = *redis::parse_redis_url(test::fixture_redis_url());
  auto c = redis::Client::start(io.get_executor(), o);
  std::vector<int64_t> out;
  std::string failure;
  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto asking = c->eval(probe, {}, std::move(args));
        auto r = co_await std::move(asking);
        if (!r || r->is_error()) {
          failure = r ? r->str : r.error().message;
        } else {
          for (const auto& e : r->elements) {
            out.push_back(e.integer);
          }
        }
        auto closing = c->shutdown(0ms);
        co_await std::move(closing);
      },
      [&](std::exception_ptr) { io.stop(); });
  io.run();
  EXPECT_EQ(failure, "");
  return out;
}

Result<redis::Reply> ask(const redis::Script* script, std::vector<std::string> keys,
                         std::vector<std::string> args = {}) {
  return test::redis_ask(test::fixture_redis_url(), script, std::move(keys), std::move(args));
}

// Where the scripts keep id's tombstone, for the keys of one test.
std::string done(const std::string& test_keys, const std::string& id) { return test_keys + ":done:" + id; }

Result<redis::Reply> release(const std::string& z, const std::string& base, const std::string& id,
                             const std::string& how, const std::string& tokens, const std::string& cost) {
  return ask(&release_script(), {z, z.empty() ? "" : z + ":h", base.empty() ? "" : base + ":total:all",
                                 done(z + base, id)},
             {id, how, tokens, cost});
}

// The reserve script's reply code, or -100 for an error reply (its text in `why`).
int64_t reserve(const std::string& z, const std::string& base, const std::string& id, const std::string& tokens,
                const std::string& cost, int64_t window_ms, int64_t lease_ms, const std::string& rpm = "1",
                std::string* why = nullptr) {
  const bool budget = !base.empty();
  auto r = ask(&reserve_script(), {z, z.empty() ? "" : z + ":h", base, done(z + base, id)},
               {id, z.empty() ? "-1" : rpm, z.empty() ? "-1" : "1000000000", tokens, budget ? "1000000000000000000" : "-1",
                "total", cost, std::to_string(lease_ms), std::to_string(window_ms)});
  if (!r || r->is_error()) {
    if (why != nullptr) {
      *why = r ? r->str : r.error().message;
    }
    return -100;
  }
  return r->elements.empty() ? -101 : r->elements[0].integer;
}

std::string get(const std::string& key) {
  auto r = ask(nullptr, {"GET", key});
  return r && !r->is_nil() ? r->str : "(nil)";
}
std::string hget(const std::string& key, const std::string& field) {
  auto r = ask(nullptr, {"HGET", key, field});
  return r && !r->is_nil() ? r->str : "(nil)";
}

// A window entry of 0 tokens ageing out: prune subtracted 0 as -0, which Lua formats "-0" and
// HINCRBY refuses, after HDEL but before ZREMRANGEBYSCORE, so every later reserve failed (and the
// limiter failed open) until the window's keys expired.
TEST(RedisScripts, AZeroTokenEntryAgesOutCleanly) {
  const std::string z = test::unique_prefix() + ":z";
  std::string why;
  ASSERT_EQ(reserve(z, "", "a", "0", "0", 100, 0), 0);
  std::this_thread::sleep_for(150ms);  // past the 100 ms window given to the next call
  EXPECT_EQ(reserve(z, "", "b", "0", "0", 100, 0, "1", &why), 0) << why;
  EXPECT_EQ(reserve(z, "", "c", "0", "0", 60000, 0, "1", &why), 1) << "b fills rpm 1: " << why;
  auto left = ask(nullptr, {"ZRANGE", z, "0", "-1"});
  ASSERT_TRUE(left);
  ASSERT_EQ(left->elements.size(), 1u) << "a aged out; b stays";
  EXPECT_EQ(left->elements[0].str, "b");
}

// A free model (cost 0) under a budget: its hold is 0 nano-USD, released or lapsed.
TEST(RedisScripts, AZeroCostHoldIsReleasedAndLapsesCleanly) {
  const std::string base = test::unique_prefix() + ":b";
  ASSERT_EQ(ask(nullptr, {"SET", base + ":total:all:spent", "5"})->str, "OK");
  std::string why;
  ASSERT_EQ(reserve("", base, "a", "1", "0", 60000, 100), 0);
  auto settled = release("", base, "a", "settle", "1", "0");
  ASSERT_TRUE(settled);
  EXPECT_FALSE(settled->is_error()) << settled->str;
  ASSERT_EQ(reserve("", base, "b", "1", "0", 60000, 100, "1", &why), 0) << why;
  std::this_thread::sleep_for(150ms);  // b's hold lapses (lease 100 ms)
  EXPECT_EQ(reserve("", base, "c", "1", "7", 60000, 100, "1", &why), 0) << why;
  EXPECT_EQ(hget(base + ":total:all:heldamt", "_sum"), "7");
  EXPECT_EQ(get(base + ":total:all:spent"), "5");
}

// A settlement sent twice (re-sent after a reconnect) counts its spend and its tokens once.
TEST(RedisScripts, SettlingTwiceCountsOnce) {
  const std::string p = test::unique_prefix(), z = p + ":z", base = p + ":b";
  ASSERT_EQ(ask(nullptr, {"SET", base + ":total:all:spent", "5"})->str, "OK");
  ASSERT_EQ(reserve(z, base, "a", "100", "40", 60000, 60000, "10"), 0);
  for (int i = 0; i < 2; ++i) {
    auto r = release(z, base, "a", "settle", "30", "20");
    ASSERT_TRUE(r && !r->is_error());
    EXPECT_EQ(r->integer, i == 0 ? 1 : 0) << "the second finds the tombstone";
  }
  auto refund = release(z, base, "a", "refund", "0", "0");
  ASSERT_TRUE(refund && !refund->is_error());
  EXPECT_EQ(get(base + ":total:all:spent"), "25");
  EXPECT_EQ(hget(z + ":h", "_sum"), "30") << "a refund after the settlement is a repeat too";
  EXPECT_EQ(hget(base + ":total:all:heldamt", "_sum"), "0");
}

// A release that overtakes its reserve (whose reply timed out) cancels it; a settlement still
// counts its spend.
TEST(RedisScripts, AReleaseBeforeItsReserveCancelsIt) {
  const std::string p = test::unique_prefix(), z = p + ":z", base = p + ":b";
  ASSERT_EQ(ask(nullptr, {"SET", base + ":total:all:spent", "5"})->str, "OK");
  ASSERT_TRUE(release(z, base, "r", "refund", "0", "0"));
  ASSERT_TRUE(release(z, base, "s", "settle", "7", "11"));
  EXPECT_EQ(reserve(z, base, "r", "100", "40", 60000, 60000, "10"), 0);
  EXPECT_EQ(reserve(z, base, "s", "100", "40", 60000, 60000, "10"), 0);
  EXPECT_EQ(ask(nullptr, {"ZCARD", z})->integer, 0) << "neither reserved a window entry";
  EXPECT_EQ(ask(nullptr, {"ZCARD", base + ":total:all:held"})->integer, 0) << "nor a hold";
  EXPECT_EQ(get(base + ":total:all:spent"), "16");
}

// A settlement after its period's spend key expired (an hour past the period's end) does not
// bring the period back; within that hour it is still counted.
TEST(RedisScripts, SettlingAfterThePeriodEnded) {
  const std::string p = test::unique_prefix(), base = p + ":b";
  ASSERT_EQ(reserve("", base + "x", "a", "1", "10", 60000, 60000), 4) << "not seeded: asks for a seed";
  ASSERT_TRUE(release("", base, "gone", "settle", "1", "10"));
  EXPECT_EQ(get(base + ":total:all:spent"), "(nil)") << "an expired period is not brought back";
  ASSERT_EQ(ask(nullptr, {"SET", base + ":total:all:spent", "5", "PX", "60000"})->str, "OK");
  ASSERT_TRUE(release("", base, "late", "settle", "1", "10"));
  EXPECT_EQ(get(base + ":total:all:spent"), "15") << "still there: counted";
}

TEST(RedisScripts, BudgetPeriodsMatchBudgetPeriodCc) {
  std::vector<int64_t> times;
  // Every 7 h 13 min 17 s across leap February 2024 and two year ends, plus the exact edges.
  for (int64_t t = ms("2023-12-20T00:00:00Z"); t < ms("2025-03-15T00:00:00Z"); t += (7 * 3600 + 13 * 60 + 17) * 1000) {
    times.push_back(t);
  }
  for (const char* edge : {"2024-02-29T23:59:59.999Z", "2024-03-01T00:00:00Z", "2024-12-31T23:59:59.999Z",
                           "2025-01-01T00:00:00Z", "2024-12-30T00:00:00Z", "2024-12-29T23:59:59.999Z",
                           "2100-02-28T12:00:00Z", "2000-02-29T12:00:00Z", "1970-01-01T00:00:00Z"}) {
    times.push_back(ms(edge));
  }
  const std::pair<config::BudgetPeriod, const char*> kinds[] = {
      {config::BudgetPeriod::Day, "day"}, {config::BudgetPeriod::Week, "week"}, {config::BudgetPeriod::Month, "month"},
      {config::BudgetPeriod::Year, "year"}};
  for (const auto& [period, name] : kinds) {
    const auto lua = lua_bounds(name, times);
    ASSERT_EQ(lua.size(), 2 * times.size()) << name;
    for (size_t i = 0; i < times.size(); ++i) {
      const auto cc = budget_period_bounds(period, SystemTime{std::chrono::milliseconds{times[i]}});
      ASSERT_EQ(lua[2 * i], cc.start_ms) << name << " start at " << times[i];
      ASSERT_EQ(lua[2 * i + 1], *cc.end_ms) << name << " end at " << times[i];
    }
  }
  const auto total = lua_bounds("total", {ms("2025-01-01T00:00:00Z")});
  EXPECT_TRUE(total.empty()) << "a total budget has no period (nil, nil)";
}

}  // namespace
}  // namespace gw
