#pragma once
// The Lua scripts that make the Redis limiter's check-and-reserve atomic across replicas: each runs
// as one unit on the Redis server, with the time taken there (TIME), so gateways with skewed clocks
// agree on windows and budget periods. Key layout and replies: redis_scripts.cc.
#include <string_view>

#include "gw/redis/script.h"

namespace gw {

// KEYS: window zset, window hash, budget base ("" for none), the id's tombstone (see release).
// ARGV: id, rpm, tpm, tokens, budget nano-USD, period (day|week|month|year|total), cost, hold lease ms,
//       window ms; a limit of -1 is "none".
// Reply: {0, period base or ""} admitted; {1, retry_after_s or -1 for never} rate limited;
//        {2, retry_after_s or -1 for a total budget} budget spent; {3, 1} budget held in flight;
//        {4, period tag, spent key, ttl ms} the period's spend is not in Redis yet: seed it.
//        {0, ""} also when the id was released already (its tombstone exists): nothing reserved.
const redis::Script& reserve_script();

// The Lua function period_bounds(kind, now_ms) -> start_ms, end_ms (nil, nil for total) that the
// reserve script uses; budget_period.cc's twin, tested against it.
std::string_view budget_period_lua();

// KEYS: window zset, window hash ("" for none), period base ("" for none), the id's tombstone.
// ARGV: id, "settle" or "refund", actual tokens, cost nano-USD.
// Idempotent: the first release of an id sets its tombstone (2 min); any later one, and a reserve
// of that id arriving after it, does nothing. Reply: 1 released, 0 already released.
const redis::Script& release_script();

}  // namespace gw
