#include "gw/ledger/group_commit.h"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

#include "gw/common/thread_name.h"
#include "gw/storage/db_log.h"

namespace gw {

namespace {

constexpr std::chrono::milliseconds kMaxBackoff{2000};
// Relaxed records are acknowledged when queued, so nothing waits on their commit: while they keep
// coming the writer commits them at most this often, a busy period's records in a few large
// transactions instead of one small transaction per idle moment (each commit has a fixed cost of
// WAL frames, locks and a thread wake-up; ledger_bench). Well inside the contract's 100 ms.
constexpr std::chrono::milliseconds kRelaxedCommitEvery{20};

// Every field of a record, for an operator to re-enter it by hand (records hold no secrets: the
// key's id and name, never the key). JSON-escaped by the log line itself.
std::string describe(const UsageRecord& r) {
  boost::json::object o;
  o["request_id"] = r.request_id;
  o["time_ms"] = r.time_ms;
  o["key_id"] = r.key_id;
  o["key_name"] = r.key_name;
  o["model"] = r.model;
  o["provider"] = r.provider;
  o["deployment"] = r.deployment;
  o["input_tokens"] = r.usage.input;
  o["output_tokens"] = r.usage.output;
  o["cache_read_tokens"] = r.usage.cache_read;
  o["cache_write_tokens"] = r.usage.cache_write;
  o["reasoning_tokens"] = r.usage.reasoning;
  o["usage_counted"] = r.usage_counted;
  o["cost_nano_usd"] = r.cost_nano_usd;
  o["status"] = r.status;
  o["outcome"] = r.outcome;
  o["latency_ms"] = r.latency_ms;
  o["ttft_ms"] = r.ttft_ms;
  o["stream"] = r.stream;
  return boost::json::serialize(o);
}

}  // namespace

GroupCommitter::GroupCommitter(config::LedgerSync sync, const Clock& clock, Policy policy,
                               WriteBatch write)
    : sync_(sync), clock_(clock), policy_(policy), write_(std::move(write)) {
  writer_ = std::thread([this] {
    name_this_thread("sy-ledger");
    writer_loop();
  });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();  // the writer drains the queue before it exits
}

net::awaitable<Result<void>> GroupCommitter::record(UsageRecord rec) {
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

void GroupCommitter::enqueue(UsageRecord rec, Done done) {
  bool first = false;
  {
    std::lock_guard lk(mu_);
    first = queue_.empty();
    queue_.push_back(std::move(rec));
    if (failing_ && done) {
      done(make_error(Code::Internal, "ledger write failing (record kept for retry): " + failing_->message));
      done = nullptr;
    }
    queue_done_.push_back(std::move(done));
    ++enqueued_;
  }
  // The writer sleeps only on an empty queue, so only the record that ends the emptiness wakes it;
  // one notify per record would be a futex call each while the writer is busy committing.
  if (first) {
    wake_.notify_one();
  }
}

void GroupCommitter::flush_blocking() {
  std::unique_lock lk(mu_);
  const uint64_t target = enqueued_;
  ++flushers_;
  wake_.notify_one();
  flushed_.wait(lk, [&] { return written_ >= target; });
  --flushers_;
}

std::optional<Error> GroupCommitter::failing() const {
  if (!failing_set_.load(std::memory_order_acquire)) {
    return std::nullopt;  // every admitted request asks: no lock while the ledger writes
  }
  std::lock_guard lk(mu_);
  return failing_;
}

bool GroupCommitter::give_up_allowed() const { return stop_ || flushers_ > 0; }

void GroupCommitter::tell_queued_waiters(const Error& e) {
  for (auto& d : queue_done_) {
    if (d) {
      d(make_error(Code::Internal, "ledger write failing (record kept for retry): " + e.message));
      d = nullptr;
    }
  }
}

std::optional<Error> GroupCommitter::write_isolating(const std::vector<UsageRecord>& recs, size_t offset,
                                                     std::vector<bool>& rejected) {
  auto out = write_(recs);
  if (out.result) {
    commits_++;
    records_ += recs.size();
    return std::nullopt;
  }
  if (!out.permanent) {
    return out.result.error();
  }
  if (recs.size() == 1) {
    rejected[offset] = true;
    storage::db_log(clock_, "error", "ledger_record_rejected", describe(recs[0]) + ": " + out.result.error().message);
    return std::nullopt;
  }
  const size_t half = recs.size() / 2;
  const std::vector<UsageRecord> left(recs.begin(), recs.begin() + static_cast<std::ptrdiff_t>(half));
  if (auto e = write_isolating(left, offset, rejected)) {
    return e;
  }
  const std::vector<UsageRecord> right(recs.begin() + static_cast<std::ptrdiff_t>(half), recs.end());
  return write_isolating(right, offset + half, rejected);
}

void GroupCommitter::writer_loop() {
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
    std::vector<UsageRecord> batch;
    std::vector<Done> done;
    batch.swap(queue_);  // everything queued while the last group committed: one transaction
    done.swap(queue_done_);
    lk.unlock();

    int failures = 0;
    bool kept = true;
    std::vector<bool> rejected(batch.size(), false);
    for (;;) {
      const auto failed = write_isolating(batch, 0, rejected);
      if (!failed) {
        if (failures > 0) {
          storage::db_log(clock_, "info", "ledger_write_recovered",
                     std::to_string(batch.size()) + " records after " + std::to_string(failures) +
                         " failed tries");
        }
        std::lock_guard g(mu_);
        failing_.reset();
        failing_set_.store(false, std::memory_order_release);
        break;
      }
      ++failures;
      storage::db_log(clock_, "error", "ledger_write_failed",
                 std::to_string(batch.size()) + " records, try " + std::to_string(failures) + ": " +
                     failed->message);
      if (failures == policy_.failures_before_telling_waiters) {
        for (auto& d : done) {
          if (d) {
            d(make_error(Code::Internal, "ledger write failing (record kept for retry): " + failed->message));
            d = nullptr;
          }
        }
        std::lock_guard g(mu_);
        failing_ = *failed;
        failing_set_.store(true, std::memory_order_release);
        tell_queued_waiters(*failed);
      }
      bool give_up = false;
      {
        std::lock_guard g(mu_);
        give_up = give_up_allowed() && failures >= policy_.failures_before_giving_up;
      }
      if (give_up) {
        // Each record whole, not only its id: the log is then the only copy, from which an
        // operator can enter it once the database is back (serve then exits with status 1).
        for (size_t i = 0; i < batch.size(); ++i) {
          if (!rejected[i]) {
            storage::db_log(clock_, "error", "ledger_record_lost", describe(batch[i]));
            lost_++;
          }
        }
        kept = false;
        break;
      }
      std::this_thread::sleep_for(
          std::min(kMaxBackoff, std::chrono::milliseconds(50 << std::min(failures, 6))));
    }
    for (size_t i = 0; i < done.size(); ++i) {
      if (done[i]) {
        if (!kept) {
          done[i](make_error(Code::Internal, "ledger write failed"));
        } else if (rejected[i]) {
          done[i](make_error(Code::Internal, "ledger refused the record (logged as ledger_record_rejected)"));
        } else {
          done[i](Result<void>{});
        }
      }
    }

    lk.lock();
    written_ += batch.size();
    flushed_.notify_all();
  }
}

}  // namespace gw
