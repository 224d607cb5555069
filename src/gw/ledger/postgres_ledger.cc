#include "gw/ledger/postgres_ledger.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "gw/common/utf8.h"
#include "gw/storage/db_log.h"
#include "gw/storage/postgres_migrations.h"

namespace gw {

namespace {

// A dropped connection is back within a try or two; a server restart or failover takes seconds.
// Waiters learn that their batch is failing after 8 tries (about 7 s of back-off); the records stay
// queued. At shutdown, a batch that still fails after 18 tries (about 30 s) is given up.
constexpr GroupCommitter::Policy kRetryPolicy{.failures_before_telling_waiters = 8,
                                              .failures_before_giving_up = 18};

const std::string kInsertName = "switchyard_usage_insert";

// One statement for any group size: each column travels as one array parameter.
const std::string kInsert =
    "INSERT INTO usage (request_id, time_ms, key_id, key_name, model, provider, deployment,"
    " input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,"
    " usage_counted, cost_nano_usd, status, outcome, latency_ms, ttft_ms, stream)"
    " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],"
    " $12::bigint[], $13::boolean[], $14::bigint[], $15::integer[], $16::text[], $17::bigint[],"
    " $18::bigint[], $19::boolean[])"
    " ON CONFLICT (request_id) DO NOTHING";

// A value the server refuses and will refuse again, whatever the connection: data exceptions (22:
// encoding, out of range) and integrity violations (23) other than the unique violation, which
// ON CONFLICT absorbs anyway. Class 42 (an undefined table or column, a missing privilege) is
// treated as transient on purpose: the values travel as typed parameters, so it is never one
// record's doing, and isolating it would reject every record while an operator restores a table
// or a grant. Connection failures (08), shutdowns (57P), serialization failures (40001),
// timeouts (no SQLSTATE) and the rest are retried.
bool permanent_sqlstate(const std::string& state) {
  return state.rfind("22", 0) == 0 || (state.rfind("23", 0) == 0 && state != "23505");
}

int64_t as_i64(uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); }

// A PostgreSQL array literal, built one element at a time.
class ArrayText {
 public:
  explicit ArrayText(size_t n) { text_.reserve(n * 8 + 2); }
  void add(std::string_view raw) {
    sep();
    // PostgreSQL refuses NUL and invalid UTF-8 in text, which would make the record (and with it
    // its whole batch) unwritable: such bytes are stored as U+FFFD instead.
    const std::string s = valid_utf8(raw) && raw.find('\0') == std::string_view::npos
                              ? std::string(raw)
                              : to_storable_utf8(raw);
    text_ += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') {
        text_ += '\\';
      }
      text_ += c;
    }
    text_ += '"';
  }
  void add(int64_t v) {
    sep();
    text_ += std::to_string(v);
  }
  void add(bool b) {
    sep();
    text_ += b ? 't' : 'f';
  }
  std::string done() && { return text_.empty() ? "{}" : std::move(text_) + "}"; }

 private:
  void sep() { text_ += text_.empty() ? '{' : ','; }
  std::string text_;
};

storage::PgConnection connect_or_throw(const std::string& url, std::string_view name,
                                       std::optional<storage::PgBounds> bounds = std::nullopt) {
  auto c = bounds ? storage::PgConnection::open(url, name, *bounds) : storage::PgConnection::open(url, name);
  if (!c) {
    throw std::runtime_error("ledger: " + c.error().message);
  }
  return std::move(*c);
}

}  // namespace

std::unique_ptr<Ledger> make_postgres_ledger(const std::string& url, config::LedgerSync sync,
                                             const Clock& clock) {
  return std::make_unique<PostgresLedger>(url, sync, clock);
}

PostgresLedger::PostgresLedger(const std::string& url, config::LedgerSync sync, const Clock& clock,
                               Bounds bounds)
    : clock_(clock) {
  // Unbounded while migrating: another gateway starting at the same time may hold the lock.
  write_conn_ = connect_or_throw(url, kWriterName);
  if (auto v = storage::migrate_postgres(write_conn_); !v) {
    throw std::runtime_error("ledger: " + v.error().message);
  }
  if (auto b = write_conn_.set_bounds(bounds.writer); !b) {
    throw std::runtime_error("ledger: " + b.error().message);
  }
  // Set per session, whatever the server's default, and in relaxed mode too: strict promises
  // durability at completion, and with `off` a server crash could take back up to three
  // wal_writer_delays (600 ms by default) of commits, beyond the contract's 100 ms for relaxed
  // (which commits every 20 ms at most, so the flush it saves is small).
  if (auto r = write_conn_.exec_on_every_connect("SET synchronous_commit TO on"); !r) {
    throw std::runtime_error("ledger: " + r.error().message);
  }
  if (auto r = write_conn_.prepare(kInsertName, kInsert); !r) {
    throw std::runtime_error("ledger: " + r.error().message);
  }
  report_.conn = connect_or_throw(url, kReportReaderName, bounds.report);
  spend_.conn = connect_or_throw(url, kSpendReaderName, bounds.spend);
  committer_ = std::make_unique<GroupCommitter>(
      sync, clock, kRetryPolicy, [this](const std::vector<UsageRecord>& batch) { return write_batch(batch); });
}

PostgresLedger::~PostgresLedger() = default;  // committer_ goes first: it drains the queue

GroupCommitter::WriteOutcome PostgresLedger::write_batch(const std::vector<UsageRecord>& batch) {
  if (!write_conn_.connected()) {
    if (auto r = write_conn_.reconnect(); !r) {
      return r.error();  // transient: the server is away, or its schema is (42P01 at PREPARE)
    }
    storage::db_log(clock_, "info", "ledger_reconnected", write_conn_.name());
  }
  const size_t n = batch.size();
  ArrayText request_id(n), time_ms(n), key_id(n), key_name(n), model(n), provider(n), deployment(n),
      input(n), output(n), cache_read(n), cache_write(n), reasoning(n), counted(n), cost(n),
      status(n), outcome(n), latency(n), ttft(n), stream(n);
  for (const UsageRecord& r : batch) {
    request_id.add(r.request_id);
    time_ms.add(r.time_ms);
    key_id.add(r.key_id);
    key_name.add(r.key_name);
    model.add(r.model);
    provider.add(r.provider);
    deployment.add(r.deployment);
    input.add(as_i64(r.usage.input));
    output.add(as_i64(r.usage.output));
    cache_read.add(as_i64(r.usage.cache_read));
    cache_write.add(as_i64(r.usage.cache_write));
    reasoning.add(as_i64(r.usage.reasoning));
    counted.add(r.usage_counted);
    cost.add(r.cost_nano_usd);
    status.add(static_cast<int64_t>(r.status));
    outcome.add(r.outcome);
    latency.add(r.latency_ms);
    ttft.add(r.ttft_ms);
    stream.add(r.stream);
  }
  auto r = write_conn_.exec_prepared(
      kInsertName,
      {std::move(request_id).done(), std::move(time_ms).done(), std::move(key_id).done(),
       std::move(key_name).done(), std::move(model).done(), std::move(provider).done(),
       std::move(deployment).done(), std::move(input).done(), std::move(output).done(),
       std::move(cache_read).done(), std::move(cache_write).done(), std::move(reasoning).done(),
       std::move(counted).done(), std::move(cost).done(), std::move(status).done(),
       std::move(outcome).done(), std::move(latency).done(), std::move(ttft).done(),
       std::move(stream).done()});
  if (!r) {
    // Nothing or everything of the statement committed; the retry is idempotent. Any error but a
    // unique violation may mean the session itself is unusable (its statement gone: 26000; the
    // server now a read-only standby after a failover: 25006): the next try starts a fresh one.
    const std::string state = write_conn_.last_sqlstate();
    if (state != "23505") {
      write_conn_.disconnect();
    }
    return {r.error(), permanent_sqlstate(state)};
  }
  return {};
}

}  // namespace gw
