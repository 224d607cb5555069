#include "gw/limits/redis_limiter.h"

#include <openssl/rand.h>

#include <atomic>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "gw/common/thread_name.h"
#include "gw/config/budget_period.h"
#include "gw/limits/memory_limiter.h"
#include "gw/limits/redis_scripts.h"
#include "gw/limits/sliding_window.h"
#include "gw/redis/client.h"
#include "gw/telemetry/access_log.h"

namespace gw {

namespace {

using namespace std::chrono_literals;

constexpr auto kShutdownDrain = 1000ms;
constexpr auto kFailOpenLogEvery = 10s;
constexpr int64_t kWindowMs = std::chrono::duration_cast<std::chrono::milliseconds>(kRateWindow).count();

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no randomness for the limiter's reservation ids");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::string limit_arg(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-1"; }

// The limiter's own I/O thread and its connection, shared with every reservation.
struct Core {
  Core(Ledger* l, RedisLimiterOptions o) : ledger(l), opts(std::move(o)), id_prefix(random_hex(8)) {}

  ~Core() { stop(); }

  void start() {
    redis::ClientOptions co;
    co.url = opts.url;
    co.connect_timeout = opts.connect_timeout;
    co.command_timeout = opts.command_timeout;
    co.on_error = [](const std::string& what) { log_event("limiter_redis_error", what); };
    client = redis::Client::start(io.get_executor(), std::move(co));
    net::post(io, [c = client] {
      c->preload(reserve_script());
      c->preload(release_script());
    });
    ran_out = ran_out_promise.get_future();
    thread = std::thread([this] {
      name_this_thread("sy-redis");
      io.run();
      ran_out_promise.set_value();
    });
  }

  // Lets queued settlements reach Redis (bounded), then ends the I/O thread once the client has
  // failed every pending command, so every check waiting on it has been answered (on its own
  // executor) before this returns; io.stop() only if that does not happen in time.
  void stop() {
    std::lock_guard lk(stop_mu);
    if (!thread.joinable()) {
      return;
    }
    stopped = true;
    auto done = net::co_spawn(io, client->shutdown(kShutdownDrain), net::use_future);
    done.wait_for(kShutdownDrain + opts.command_timeout + 1s);
    work.reset();
    if (ran_out.wait_for(opts.connect_timeout + opts.command_timeout + 1s) != std::future_status::ready) {
      io.stop();
    }
    thread.join();
  }

  // Runs `op` on the limiter's thread; the caller resumes on its own executor.
  net::awaitable<Result<redis::Reply>> ask(net::awaitable<Result<redis::Reply>> op) {
    if (stopped) {
      co_return make_error(Code::Unavailable, "the limiter is shut down");
    }
    auto on_client = net::co_spawn(io, std::move(op), net::use_awaitable);
    auto r = co_await std::move(on_client);
    co_return r;
  }
  net::awaitable<Result<redis::Reply>> eval(const redis::Script& s, std::vector<std::string> keys,
                                            std::vector<std::string> args) {
    auto op = client->eval(s, std::move(keys), std::move(args));
    auto r = co_await ask(std::move(op));
    co_return r;
  }
  net::awaitable<Result<redis::Reply>> command(std::vector<std::string> args) {
    auto op = client->command(std::move(args));
    auto r = co_await ask(std::move(op));
    co_return r;
  }
  // Fire and forget, on the limiter's thread.
  void send_release(std::vector<std::string> keys, std::vector<std::string> args) {
    net::post(io, [c = client, keys = std::move(keys), args = std::move(args)]() mutable {
      c->send_eval(release_script(), std::move(keys), std::move(args));
    });
  }

  std::string new_id() { return id_prefix + "-" + std::to_string(++next_id); }

  std::string key(std::string_view kind, std::string_view tag, std::string_view suffix) const {
    return opts.key_prefix + ":" + std::string(kind) + ":{" + std::string(tag) + "}" + std::string(suffix);
  }

  // Fail open (redis_limiter.h): admitted unchecked, counted, and logged at most every 10 s.
  void fail_open(const Error& why, std::string_view check);
  // Redis answered the script with an error: a bug, not an outage. Fails open too, but logged every
  // time with the script's name and counted under its own reason.
  void script_failed(std::string_view script, const std::string& reply, std::string_view check);
  // Where a release of reservation `id` leaves its tombstone (redis_scripts.h).
  std::string done_key(const std::string& id) const { return key("done", id, ""); }

  Ledger* ledger;
  RedisLimiterOptions opts;
  std::string id_prefix;  // this process's reservation ids cannot collide with another's
  std::atomic<uint64_t> next_id{0};
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  std::shared_ptr<redis::Client> client;
  std::thread thread;
  std::promise<void> ran_out_promise;
  std::future<void> ran_out;  // ready once io.run() has returned
  std::mutex stop_mu;
  std::atomic<bool> stopped{false};
  std::mutex log_mu;
  std::chrono::steady_clock::time_point last_log{};
  uint64_t unlogged = 0;
};

class NoReservation final : public Reservation {
 public:
  void settle(const Usage&, int64_t) override {}
};

void Core::script_failed(std::string_view script, const std::string& reply, std::string_view check) {
  if (opts.metrics != nullptr) {
    opts.metrics->limiter_fail_open(check, "script_error");
  }
  log_event("limiter_script_error", "the " + std::string(script) + " script failed (admitted without the " +
                                        std::string(check) + " limit check): " + reply);
}

void Core::fail_open(const Error& why, std::string_view check) {
  if (opts.metrics != nullptr) {
    opts.metrics->limiter_fail_open(check, "unavailable");
  }
  std::string line;
  {
    std::lock_guard lk(log_mu);
    const auto now = std::chrono::steady_clock::now();
    if (last_log != std::chrono::steady_clock::time_point{} && now - last_log < kFailOpenLogEvery) {
      ++unlogged;
      return;
    }
    line = "admitted without the " + std::string(check) + " limit check: " + why.message;
    if (unlogged > 0) {
      line += " (and " + std::to_string(unlogged) + " more since the last report)";
    }
    last_log = now;
    unlogged = 0;
  }
  log_event("limiter_fail_open", line);
}

// Also what a check whose outcome is unknown returns (its reply timed out or the connection broke
// after it was written): admitted unchecked, yet the script may still run once Redis answers
// again, so the reservation is released like any other. Releases are idempotent and a release
// that overtakes its reserve cancels it (redis_scripts.h), so that is safe whatever happened.
class RedisReservation final : public Reservation {
 public:
  RedisReservation(std::shared_ptr<Core> core, std::string id, std::string window_z, std::string window_h,
                   std::string budget_base)
      : core_(std::move(core)),
        id_(std::move(id)),
        window_z_(std::move(window_z)),
        window_h_(std::move(window_h)),
        budget_base_(std::move(budget_base)) {}

  ~RedisReservation() override {
    if (!settled_) {
      core_->send_release({window_z_, window_h_, budget_base_, core_->done_key(id_)}, {id_, "refund", "0", "0"});
    }
  }

  void settle(const Usage& actual, int64_t cost_nano_usd) override {
    if (settled_) {
      return;
    }
    settled_ = true;
    core_->send_release({window_z_, window_h_, budget_base_, core_->done_key(id_)},
                        {id_, "settle", std::to_string(clamp_amount(actual.total())),
                         std::to_string(clamp_amount(cost_nano_usd))});
  }

 private:
  std::shared_ptr<Core> core_;
  std::string id_;
  std::string window_z_, window_h_, budget_base_;
  bool settled_ = false;
};

int64_t reply_int(const redis::Reply& r, size_t i) {
  return i < r.elements.size() ? r.elements[i].integer : 0;
}
std::string reply_str(const redis::Reply& r, size_t i) {
  return i < r.elements.size() ? r.elements[i].str : std::string();
}

class RedisLimiter final : public Limiter {
 public:
  explicit RedisLimiter(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  ~RedisLimiter() override { core_->stop(); }
  void stop() override { core_->stop(); }

  net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_key(const Principal& who,
                                                                  const Estimate& est) override {
    if (!who.rpm && !who.tpm && !who.budget) {
      co_return std::unique_ptr<Reservation>(std::make_unique<NoReservation>());
    }
    const int64_t tokens = clamp_amount(est.tokens);
    const int64_t cost = clamp_amount(est.cost_nano_usd);
    const bool windowed = who.rpm || who.tpm;
    const std::string id = core_->new_id();
    std::vector<std::string> keys{windowed ? core_->key("rl", "k:" + who.key_id, ":req") : "",
                                  windowed ? core_->key("rl", "k:" + who.key_id, ":tok") : "",
                                  who.budget ? core_->key("budget", "k:" + who.key_id, "") : "",
                                  core_->done_key(id)};
    // Unknown outcome: release what the script may yet reserve (the period as this clock sees it).
    auto unknown = [&] {
      return std::unique_ptr<Reservation>(std::make_unique<RedisReservation>(
          core_, id, keys[0], keys[1], who.budget ? local_budget_base(who) : ""));
    };
    const std::vector<std::string> args{
        id,
        limit_arg(who.rpm),
        limit_arg(who.tpm),
        std::to_string(tokens),
        who.budget ? std::to_string(clamp_amount(who.budget->nano_usd)) : "-1",
        who.budget ? std::string(config::to_string(who.budget->period)) : "total",
        std::to_string(cost),
        std::to_string(core_->opts.budget_hold_lease.count()),
        std::to_string(kWindowMs)};
    // At most one seed per period: a second round finds the spend in Redis.
    for (int round = 0; round < 3; ++round) {
      auto op = core_->eval(reserve_script(), keys, args);
      auto reply = co_await std::move(op);
      if (!reply) {
        core_->fail_open(reply.error(), "key");
        co_return unknown();
      }
      if (reply->is_error() || reply->elements.empty()) {
        // A script error may leave part of its writes: released like an unknown outcome.
        core_->script_failed("reserve", reply->str, "key");
        co_return unknown();
      }
      switch (reply_int(*reply, 0)) {
        case 0:
          co_return std::unique_ptr<Reservation>(
              std::make_unique<RedisReservation>(core_, id, keys[0], keys[1], reply_str(*reply, 1)));
        case 1: {
          Error e = make_error(Code::RateLimited, "rate limit exceeded for key '" + who.key_name + "'");
          const int64_t after = reply_int(*reply, 1);
          e.retry_after_s = after < 0 ? 365 * 24 * 3600 : after;
          co_return e;
        }
        case 2: {
          Error e = make_error(Code::BudgetExceeded, "budget exhausted for key '" + who.key_name + "'");
          const int64_t after = reply_int(*reply, 1);
          e.retry_after_s = after < 0 ? kTotalBudgetRetryAfterS : after;
          co_return e;
        }
        case 3: {
          Error e = make_error(Code::BudgetExceeded,
                               "budget of key '" + who.key_name + "' is held by requests in flight");
          e.retry_after_s = 1;
          co_return e;
        }
        case 4: {
          auto seeding = seed(who, *reply);
          auto seeded = co_await std::move(seeding);
          if (!seeded) {
            co_return seeded.error();
          }
          break;
        }
        default:
          core_->script_failed("reserve", "unexpected reply code", "key");
          co_return unknown();
      }
    }
    core_->fail_open(make_error(Code::Internal, "the budget seed did not take"), "key");
    co_return std::unique_ptr<Reservation>(std::make_unique<NoReservation>());
  }

  net::awaitable<Result<std::unique_ptr<Reservation>>> reserve_deployment(
      const std::string& deployment_id, std::optional<int64_t> rpm, std::optional<int64_t> tpm,
      uint64_t est_tokens) override {
    if (!rpm && !tpm) {
      co_return std::unique_ptr<Reservation>(std::make_unique<NoReservation>());
    }
    const int64_t tokens = clamp_amount(est_tokens);
    const std::string id = core_->new_id();
    std::vector<std::string> keys{core_->key("rl", "d:" + deployment_id, ":req"),
                                  core_->key("rl", "d:" + deployment_id, ":tok"), "", core_->done_key(id)};
    std::vector<std::string> args{id, limit_arg(rpm), limit_arg(tpm), std::to_string(tokens), "-1",
                                  "total", "0", "0", std::to_string(kWindowMs)};
    auto op = core_->eval(reserve_script(), keys, std::move(args));
    auto reply = co_await std::move(op);
    const bool failed = !reply || reply->is_error() || reply->elements.empty();
    if (failed) {
      if (!reply) {
        core_->fail_open(reply.error(), "deployment");
      } else {
        core_->script_failed("reserve", reply->str, "deployment");
      }
    }
    // Admitted, or an unknown outcome (released like an admission: see RedisReservation).
    if (failed || reply_int(*reply, 0) == 0) {
      co_return std::unique_ptr<Reservation>(
          std::make_unique<RedisReservation>(core_, id, keys[0], keys[1], ""));
    }
    Error e = make_error(Code::RateLimited, "deployment '" + deployment_id + "' is at capacity");
    e.retryable = true;  // another deployment may take it
    const int64_t after = reply_int(*reply, 1);
    e.retry_after_s = after < 0 ? 365 * 24 * 3600 : after;
    co_return e;
  }

 private:
  // The budget's key base for the period this gateway's clock is in: the script computes the same
  // from Redis's clock, so they differ only within clock skew of a period's boundary.
  std::string local_budget_base(const Principal& who) const {
    const auto b = budget_period_bounds(who.budget->period, real_clock().now());
    const std::string tag = b.end_ms ? std::to_string(b.start_ms) : "all";
    return core_->key("budget", "k:" + who.key_id, "") + ":" + std::string(config::to_string(who.budget->period)) +
           ":" + tag;
  }

  // The period's spend so far comes from the ledger, once: SET NX, so a second replica (or this
  // one after a restart) seeding at the same time cannot double it.
  net::awaitable<Result<void>> seed(const Principal& who, const redis::Reply& need) {
    const std::string tag = reply_str(need, 1);
    const std::string spent_key = reply_str(need, 2);
    const int64_t ttl_ms = std::max<int64_t>(reply_int(need, 3), 1000);
    int64_t spent = 0;
    if (core_->ledger != nullptr) {
      const int64_t since = tag == "all" ? std::numeric_limits<int64_t>::min() : std::stoll(tag);
      auto s = core_->ledger->spent_since(who.key_id, since);
      if (!s) {
        co_return make_error(Code::Internal, "cannot read the key's spend: " + s.error().message);
      }
      spent = *s;
    }
    auto op = core_->command({"SET", spent_key, std::to_string(spent), "NX", "PX", std::to_string(ttl_ms)});
    auto set = co_await std::move(op);
    if (!set || set->is_error()) {
      // Not seeded: the next round fails open or finds another replica's seed.
      const Error why = !set ? set.error() : make_error(Code::Internal, "SET refused: " + set->str);
      log_event("limiter_redis_error", "cannot seed a budget: " + why.message);
    }
    co_return Result<void>{};
  }

  std::shared_ptr<Core> core_;
};

}  // namespace

Result<std::unique_ptr<Limiter>> make_redis_limiter(Ledger* ledger_for_budget_seed, RedisLimiterOptions opts) {
  const auto wait = opts.connect_timeout + opts.command_timeout + 1s;
  auto core = std::make_shared<Core>(ledger_for_budget_seed, std::move(opts));
  core->start();
  auto pong = net::co_spawn(core->io, core->client->command({"PING"}), net::use_future);
  if (pong.wait_for(wait) != std::future_status::ready) {
    return make_error(Code::Unavailable,
                      "cannot reach Redis at " + core->opts.url.redacted() + ": no answer to PING");
  }
  auto r = pong.get();
  if (!r) {
    return make_error(Code::Unavailable, "cannot reach Redis: " + r.error().message);
  }
  if (r->is_error()) {
    return make_error(Code::Unavailable,
                      "Redis at " + core->opts.url.redacted() + " refused PING: " + r->str);
  }
  return std::unique_ptr<Limiter>(std::make_unique<RedisLimiter>(std::move(core)));
}

}  // namespace gw
