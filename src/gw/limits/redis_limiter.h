#pragma once
// The limiter shared by every gateway process that points at one Redis (`limits: redis://...`):
// the same semantics as memory_limiter.h (exact 60 s sliding windows for rpm/tpm, UTC calendar
// budget periods, reserve at admission, settle with the actual usage, refund when unsettled),
// enforced across replicas by Lua scripts that check and reserve in one step on the Redis server,
// with Redis's clock (redis_scripts.h).
//
// Key layout (P = key_prefix, "switchyard" by default; every key has a TTL):
//   P:rl:{k:KEY_ID}:req / :tok        a key's window: zset id -> admitted ms, hash id -> tokens
//   P:rl:{d:DEPLOYMENT}:req / :tok    a deployment's window, likewise
//   P:budget:{k:KEY_ID}:PERIOD:START:spent     settled nano-USD (integer, INCRBY), seeded once per
//                                              period from the ledger with SET NX
//   P:budget:{k:KEY_ID}:PERIOD:START:held / :heldamt   estimates held by requests in flight; a
//                                              hold expires after budget_hold_lease, so a replica
//                                              that crashed mid-request cannot hold a budget forever
//
// Redis unreachable or not answering in time (connect_timeout / command_timeout): the limiter
// FAILS OPEN, for rate limits and budgets alike: the request is admitted unchecked, an error is
// logged (at most every 10 s, with a count) and switchyard_limiter_fail_open_total counts it.
// An outage of the limiter store must not take the gateway down; the ledger still records every
// request, so spend during the outage is counted once Redis is back and a new period is seeded.
//
// A check whose outcome is unknown (its reply timed out, or the connection broke after it was
// written) also fails open, but its reservation is still released: the script may run once a
// stalled Redis wakes, and its refund or settlement undoes or completes it (releases are
// idempotent through a 2-minute tombstone per id, which also cancels a reserve that its release
// overtook).
//
// I/O: one pipelined connection on the limiter's own I/O thread; workers await the reply without
// blocking. Settlements and refunds are fire-and-forget on that thread, queued while Redis is
// briefly away; one in flight when a connection drops is sent again (idempotent: counted once).
#include <chrono>
#include <memory>
#include <string>

#include "gw/ledger/ledger.h"
#include "gw/limits/limiter.h"
#include "gw/redis/redis_url.h"
#include "gw/telemetry/metrics.h"

namespace gw {

struct RedisLimiterOptions {
  redis::RedisUrl url;
  std::string key_prefix = "switchyard";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{500};
  std::chrono::milliseconds budget_hold_lease{15 * 60 * 1000};
  Metrics* metrics = nullptr;  // counts fail-open admissions; may be null
};

// Connects and PINGs before returning, so a gateway with an unreachable Redis fails at start-up
// (the message names the URL without its password). `ledger_for_budget_seed` may be null (budgets
// then start from zero); it and `metrics` must outlive the limiter.
Result<std::unique_ptr<Limiter>> make_redis_limiter(Ledger* ledger_for_budget_seed,
                                                    RedisLimiterOptions opts);

}  // namespace gw
