// The reserve script computes budget periods in Lua, from Redis's clock; they must be exactly the
// periods budget_period.cc computes (and the memory limiter uses), on every kind of boundary.
#include "gw/limits/redis_scripts.h"

#include <gtest/gtest.h>

#include "gw/limits/budget_period.h"
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
      {config::BudgetPeriod::Day, "day"}, {config::BudgetPeriod::Week, "week"}, {config::BudgetPeriod::Month, "month"}};
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
