#pragma once
// The state of one chat request as it moves through the pipeline, and the steps that finish it
// (metering, limit settlement, metrics, access log), shared by the plain and streamed paths.
#include <memory>
#include <optional>
#include <string>

#include "gw/auth/principal.h"
#include "gw/canonical/chat.h"
#include "gw/canonical/usage_accumulator.h"
#include "gw/common/clock.h"
#include "gw/dialects/dialect.h"
#include "gw/limits/limiter.h"
#include "gw/routing/router.h"
#include "gw/server/session.h"

namespace gw {

class Worker;

// The output assumed in limit estimates for a request that sets no max_tokens.
inline constexpr int64_t kDefaultMaxTokensEstimate = 4096;

// The status recorded for a request whose client went away before any answer (nginx's 499).
inline constexpr unsigned kClientClosedRequest = 499;

// In flight from construction to destruction: App::inflight (which a drain waits on) and the
// in-flight gauge of /metrics count it.
struct Call {
  Call(Session& s, const ClientRequest& r, const ClientDialect& d);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  Session& session;
  Worker& worker;
  const ClientRequest& http;
  const ClientDialect& dialect;
  // The metrics route label of the request's path (route_label in routes.h): a fixed set, so
  // labels stay bounded.
  std::string_view route;
  std::string request_id;
  SteadyTime start;
  SystemTime wall_start;

  ChatRequest chat;
  Principal who;
  const config::Model* model = nullptr;
  std::unique_ptr<Reservation> key_reservation;
  std::unique_ptr<Reservation> deployment_reservation;
  std::optional<Attempt> attempt;  // the deployment being (or last) tried
  int attempts = 0;
  // The current attempt was passed over at the deployment's own capacity, with no upstream call.
  bool capacity_skipped = false;
  // Failover stopped because the client had gone: no attempt answered, nothing is written.
  bool left_before_answer = false;
  uint64_t input_estimate = 0;  // estimate_input_tokens(chat), computed once at admission
  uint64_t output_estimate = 0;  // max_tokens, or the default estimate limits reserve
  bool reached_upstream = false;
  UsageAccumulator usage{0};

  unsigned status = 0;
  std::string outcome = "ok";
  std::string error_message;
  // Microseconds from admission to the first output sent; -1 until then. Kept finer than the
  // ledger's milliseconds because /metrics histograms a gateway answering in under a millisecond.
  int64_t ttft_us = -1;

  int64_t elapsed_us() const;
  int64_t elapsed_ms() const { return elapsed_us() / 1000; }
  int64_t ttft_ms() const { return ttft_us < 0 ? -1 : ttft_us / 1000; }
  // Headers every proxied reply carries.
  Headers routing_headers() const;
  // Renders an error in the client's dialect and writes it (retry-after when known).
  net::awaitable<void> reply_error(const Error& e);
  // Writes the ledger record (awaits durability under ledger_sync: strict) and settles limits.
  // Called once per request that reached an upstream; a ledger failure is logged and counted.
  // False when the ledger could not confirm the record (strict: it is not durable, so the end of
  // a successful answer must not reach the client; the record stays queued for retry).
  net::awaitable<bool> meter();
  // The end of a successful answer whose record meter() could not confirm: withheld, and this
  // error sent in its place (an error reply, or a stream's error event).
  Error withheld_for_ledger();
  // A whole answer withheld so: the 503 in its place, written.
  net::awaitable<void> reply_withheld_for_ledger();
  // Metrics and the access-log line; called exactly once at the end.
  void finish_log();
};

}  // namespace gw
