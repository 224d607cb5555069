// Reads of the PostgreSQL ledger: usage reports and budget spend, on their own connection so that
// a report never waits behind the writer. Results equal the SQLite ledger's for the same records:
// groups are ordered bytewise (COLLATE "C", as SQLite compares text) and sums are exact integers.
#include <cstdint>
#include <string>

#include "gw/ledger/postgres_ledger.h"
#include "gw/ledger/usage_query.h"

namespace gw {

Result<storage::PgRows> PostgresLedger::read(Reader& r, const std::string& sql,
                                             const std::vector<storage::PgParam>& params) {
  std::lock_guard lk(r.mu);
  if (auto c = r.conn.ensure_connected(); !c) {
    return c.error();
  }
  auto rows = r.conn.exec(sql, params);
  // Dropped since the last read: a read may be repeated. Timed out: the server is silent, and
  // trying again would double the caller's wait.
  if (!rows && !r.conn.connected() && !r.conn.timed_out()) {
    if (auto c = r.conn.reconnect(); !c) {
      return c.error();
    }
    rows = r.conn.exec(sql, params);
  }
  return rows;
}

Result<std::vector<UsageRow>> PostgresLedger::usage(const UsageQuery& q) {
  auto grouping = usage_grouping(q.group_by);
  if (!grouping) {
    return grouping.error();
  }
  std::string group_cols;
  std::string order_cols;
  for (const auto& col : grouping->columns) {
    group_cols += (group_cols.empty() ? "" : ", ") + col;
    order_cols += (order_cols.empty() ? "" : ", ") + col + " COLLATE \"C\"";
  }
  std::string sql = "SELECT ";
  if (!group_cols.empty()) {
    sql += group_cols + ", ";
  }
  // SUM(bigint) is numeric in PostgreSQL: cast back, exactly (an overflow is an error, not a wrap).
  sql +=
      "COUNT(*), SUM(input_tokens)::BIGINT, SUM(output_tokens)::BIGINT, "
      "SUM(cache_read_tokens)::BIGINT, SUM(cache_write_tokens)::BIGINT, SUM(cost_nano_usd)::BIGINT "
      "FROM usage WHERE time_ms >= $1 AND time_ms < $2";
  if (!group_cols.empty()) {
    sql += " GROUP BY " + group_cols + " ORDER BY " + order_cols;
  }
  auto result = read(report_, sql, {std::to_string(q.since_ms.value_or(INT64_MIN)),
                           std::to_string(q.until_ms.value_or(INT64_MAX))});
  if (!result) {
    return result.error();
  }
  std::vector<UsageRow> rows;
  for (int i = 0; i < result->rows(); ++i) {
    UsageRow row;
    int c = 0;
    for (const auto& f : grouping->fields) {
      set_usage_field(row, f, result->text(i, c++));
    }
    row.requests = result->int64(i, c++);
    row.input_tokens = result->int64(i, c++);
    row.output_tokens = result->int64(i, c++);
    row.cache_read_tokens = result->int64(i, c++);
    row.cache_write_tokens = result->int64(i, c++);
    row.cost_nano_usd = result->int64(i, c++);
    if (row.requests == 0) {
      continue;  // no GROUP BY over an empty range still yields one all-NULL row
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<int64_t> PostgresLedger::spent_since(const std::string& key_id, int64_t since_ms) {
  auto result = read(spend_,
      "SELECT COALESCE(SUM(cost_nano_usd), 0)::BIGINT FROM usage WHERE key_id = $1 AND time_ms >= $2",
      {key_id, std::to_string(since_ms)});
  if (!result) {
    return result.error();
  }
  return result->int64(0, 0);
}

Result<int64_t> PostgresLedger::provider_spend(const std::vector<std::string>& providers, int64_t since_ms,
                                               int64_t until_ms) {
  if (providers.empty()) {
    return int64_t{0};
  }
  std::vector<storage::PgParam> params{std::to_string(since_ms), std::to_string(until_ms)};
  std::string in;
  for (const auto& p : providers) {
    params.push_back(p);
    in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  // The report connection: a background refresh, never in a request's way (spent_since's is).
  auto result = read(report_,
                     "SELECT COALESCE(SUM(cost_nano_usd), 0)::BIGINT FROM usage WHERE time_ms >= $1 AND "
                     "time_ms < $2 AND provider IN (" + in + ")",
                     params);
  if (!result) {
    return result.error();
  }
  return result->int64(0, 0);
}

}  // namespace gw
