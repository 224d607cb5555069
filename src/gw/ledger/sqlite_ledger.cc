#include "gw/ledger/sqlite_ledger.h"

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "gw/common/log_sink.h"
#include "gw/storage/migrations.h"
#include "gw/storage/time_text.h"

namespace gw {

namespace {

// Waiters learn that their batch is failing after this many tries; the records stay queued.
constexpr int kFailuresBeforeTellingWaiters = 3;
// At shutdown, a batch that still fails after this many tries (about 30 s of back-off) is given up.
constexpr int kFailuresBeforeGivingUp = 18;
constexpr std::chrono::milliseconds kMaxBackoff{2000};
// Relaxed records are acknowledged when queued, so nothing waits on their commit: while they keep
// coming the writer commits them at most this often, a busy period's records in a few large
// transactions instead of one small transaction per idle moment (each commit has a fixed cost of
// WAL frames, locks and a thread wake-up; ledger_bench). Well inside the contract's 100 ms.
constexpr std::chrono::milliseconds kRelaxedCommitEvery{20};

constexpr std::string_view kInsert =
    "INSERT OR IGNORE INTO usage (request_id, time_ms, key_id, key_name, model, provider, deployment,"
    " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,"
    " usage_counted, cost_nano_usd, status, outcome, latency_ms, ttft_ms, stream)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

// One JSON line on stderr, in the shape of telemetry's log_event (ledger/ may not depend on it).
void log_line(const Clock& clock, std::string_view level, std::string_view msg, std::string detail) {
  boost::json::object o;
  o["ts"] = storage::format_rfc3339_ms(unix_ms(clock.now()));
  o["level"] = level;
  o["msg"] = msg;
  o["detail"] = std::move(detail);
  const std::string line = boost::json::serialize(o) + "\n";
  log_sink::append(line);
  log_sink::flush();
}

int64_t as_i64(uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); }

storage::Db open_or_throw(const std::string& path, storage::Sync sync) {
  auto db = storage::Db::open(path, {.sync = sync});
  if (!db) {
    throw std::runtime_error("ledger " + path + ": " + db.error().message);
  }
  return std::move(*db);
}

}  // namespace

SqliteLedger::SqliteLedger(const std::string& path, config::LedgerSync sync, const Clock& clock)
    : sync_(sync), clock_(clock) {
  write_db_ = open_or_throw(path, sync == config::LedgerSync::Strict ? storage::Sync::Full
                                                                     : storage::Sync::Normal);
  if (auto v = storage::migrate(write_db_); !v) {
    throw std::runtime_error("ledger " + path + ": " + v.error().message);
  }
  auto st = write_db_.prepare(kInsert);
  if (!st) {
    throw std::runtime_error("ledger " + path + ": " + st.error().message);
  }
  insert_ = std::move(*st);
  read_db_ = open_or_throw(path, storage::Sync::Normal);
  writer_ = std::thread([this] { writer_loop(); });
}

SqliteLedger::~SqliteLedger() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();  // the writer drains the queue before it exits
}

net::awaitable<Result<void>> SqliteLedger::record(UsageRecord rec) {
  if (sync_ == config::LedgerSync::Relaxed) {
    enqueue(std::move(rec), nullptr);
    co_return Result<void>{};
  }
  // Strict: suspend until the writer reports the group commit; the completion is posted back to
  // this coroutine's executor, which is kept busy (outstanding work) until then.
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(Result<void>)>(
      [this, &rec](auto handler) {
        using Handler = decltype(handler);
        auto work = net::prefer(net::get_associated_executor(handler),
                                net::execution::outstanding_work.tracked);
        auto shared = std::make_shared<Handler>(std::move(handler));
        Done done = [shared, work](Result<void> r) {
          net::post(work, [shared, r = std::move(r)]() mutable {
            Handler h = std::move(*shared);  // destroyed here, on the coroutine's own thread
            h(std::move(r));
          });
        };
        enqueue(std::move(rec), std::move(done));
      },
      net::use_awaitable);
}

void SqliteLedger::enqueue(UsageRecord rec, Done done) {
  bool first = false;
  {
    std::lock_guard lk(mu_);
    first = queue_.empty();
    queue_.push_back(Pending{std::move(rec), std::move(done)});
    ++enqueued_;
  }
  // The writer sleeps only on an empty queue, so only the record that ends the emptiness wakes it;
  // one notify per record would be a futex call each while the writer is busy committing.
  if (first) {
    wake_.notify_one();
  }
}

void SqliteLedger::flush_blocking() {
  std::unique_lock lk(mu_);
  const uint64_t target = enqueued_;
  ++flushers_;
  wake_.notify_one();
  flushed_.wait(lk, [&] { return written_ >= target; });
  --flushers_;
}

bool SqliteLedger::give_up_allowed() const { return stop_ || flushers_ > 0; }

void SqliteLedger::writer_loop() {
  std::unique_lock lk(mu_);
  std::optional<SteadyTime> last_commit;  // relaxed: when the previous transaction began
  for (;;) {
    wake_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // stop_ and nothing left
    }
    if (sync_ == config::LedgerSync::Relaxed && last_commit) {
      const auto since = clock_.steady_now() - *last_commit;
      if (since < kRelaxedCommitEvery) {
        // A flush or a stop cuts the wait short; records queued meanwhile join this transaction.
        wake_.wait_for(lk, kRelaxedCommitEvery - since, [&] { return stop_ || flushers_ > 0; });
      }
    }
    last_commit = clock_.steady_now();
    std::vector<Pending> batch;
    batch.swap(queue_);  // everything queued while the last group committed: one transaction
    lk.unlock();

    int failures = 0;
    bool kept = true;
    for (;;) {
      auto r = write_batch(batch);
      if (r) {
        break;
      }
      ++failures;
      log_line(clock_, "error", "ledger_write_failed",
               std::to_string(batch.size()) + " records, try " + std::to_string(failures) + ": " +
                   r.error().message);
      if (failures == kFailuresBeforeTellingWaiters) {
        for (auto& p : batch) {
          if (p.done) {
            p.done(make_error(Code::Internal, "ledger write failing (record kept for retry): " +
                                                  r.error().message));
            p.done = nullptr;
          }
        }
      }
      bool give_up = false;
      {
        std::lock_guard g(mu_);
        give_up = give_up_allowed() && failures >= kFailuresBeforeGivingUp;
      }
      if (give_up) {
        std::string ids;
        for (const auto& p : batch) {
          ids += (ids.empty() ? "" : ",") + p.rec.request_id;
        }
        log_line(clock_, "error", "ledger_records_lost", ids);
        kept = false;
        break;
      }
      std::this_thread::sleep_for(std::min(kMaxBackoff, std::chrono::milliseconds(50 << std::min(failures, 6))));
    }
    for (auto& p : batch) {
      if (p.done) {
        p.done(kept ? Result<void>{} : Result<void>{make_error(Code::Internal, "ledger write failed")});
      }
    }

    lk.lock();
    written_ += batch.size();
    flushed_.notify_all();
  }
}

Result<void> SqliteLedger::write_batch(const std::vector<Pending>& batch) {
  auto tx = storage::Transaction::begin(write_db_);
  if (!tx) {
    return tx.error();
  }
  for (const auto& p : batch) {
    const UsageRecord& r = p.rec;
    insert_.reset();
    // The record outlives the statement's use of it (reset below), so its text is not copied.
    insert_.bind_static(1, r.request_id)
        .bind(2, r.time_ms)
        .bind_static(3, r.key_id)
        .bind_static(4, r.key_name)
        .bind_static(5, r.model)
        .bind_static(6, r.provider)
        .bind_static(7, r.deployment)
        .bind(8, as_i64(r.usage.input))
        .bind(9, as_i64(r.usage.output))
        .bind(10, as_i64(r.usage.cache_read))
        .bind(11, as_i64(r.usage.cache_write))
        .bind(12, as_i64(r.usage.reasoning))
        .bind(13, int64_t{r.usage_counted ? 1 : 0})
        .bind(14, r.cost_nano_usd)
        .bind(15, static_cast<int64_t>(r.status))
        .bind_static(16, r.outcome)
        .bind(17, r.latency_ms)
        .bind(18, r.ttft_ms)
        .bind(19, int64_t{r.stream ? 1 : 0});
    auto done = insert_.run();
    insert_.reset();
    if (!done) {
      return done.error();  // tx rolls back; the whole batch is retried
    }
  }
  if (auto c = tx->commit(); !c) {
    return c.error();
  }
  commits_++;
  records_ += batch.size();
  return {};
}

}  // namespace gw
