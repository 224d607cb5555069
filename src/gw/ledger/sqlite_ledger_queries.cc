// Reads of the SQLite ledger: usage reports and budget spend. They use their own connection, so a
// report never waits for the writer's fsync (WAL readers see the last committed state).
#include <cstdint>
#include <string>

#include "gw/ledger/sqlite_ledger.h"
#include "gw/ledger/usage_query.h"

namespace gw {

Result<std::vector<UsageRow>> SqliteLedger::usage(const UsageQuery& q) {
  auto grouping = usage_grouping(q.group_by);
  if (!grouping) {
    return grouping.error();
  }
  std::string group_cols;
  for (const auto& col : grouping->columns) {
    group_cols += (group_cols.empty() ? "" : ", ") + col;
  }
  std::string sql = "SELECT ";
  if (!group_cols.empty()) {
    sql += group_cols + ", ";
  }
  sql +=
      "COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), "
      "SUM(cache_write_tokens), SUM(cost_nano_usd) FROM usage WHERE time_ms >= ?1 AND time_ms < ?2";
  if (!group_cols.empty()) {
    sql += " GROUP BY " + group_cols + " ORDER BY " + group_cols;
  }

  std::lock_guard lk(read_mu_);
  auto st = read_db_.prepare(sql);
  if (!st) {
    return st.error();
  }
  st->bind(1, q.since_ms.value_or(INT64_MIN)).bind(2, q.until_ms.value_or(INT64_MAX));
  std::vector<UsageRow> rows;
  for (;;) {
    auto more = st->step();
    if (!more) {
      return more.error();
    }
    if (!*more) {
      break;
    }
    UsageRow row;
    int c = 0;
    for (const auto& f : grouping->fields) {
      set_usage_field(row, f, st->column_text(c++));
    }
    row.requests = st->column_int64(c++);
    row.input_tokens = st->column_int64(c++);
    row.output_tokens = st->column_int64(c++);
    row.cache_read_tokens = st->column_int64(c++);
    row.cache_write_tokens = st->column_int64(c++);
    row.cost_nano_usd = st->column_int64(c++);
    if (row.requests == 0) {
      continue;  // no GROUP BY over an empty range still yields one all-NULL row
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<int64_t> SqliteLedger::spent_since(const std::string& key_id, int64_t since_ms) {
  std::lock_guard lk(read_mu_);
  auto st = read_db_.prepare(
      "SELECT COALESCE(SUM(cost_nano_usd), 0) FROM usage WHERE key_id = ?1 AND time_ms >= ?2");
  if (!st) {
    return st.error();
  }
  st->bind(1, key_id).bind(2, since_ms);
  auto row = st->step();
  if (!row) {
    return row.error();
  }
  return st->column_int64(0);
}

Result<int64_t> SqliteLedger::provider_spend(const std::vector<std::string>& providers, int64_t since_ms,
                                             int64_t until_ms) {
  if (providers.empty()) {
    return int64_t{0};
  }
  std::string in;
  for (size_t i = 0; i < providers.size(); ++i) {
    in += (i == 0 ? "?" : ", ?") + std::to_string(i + 3);
  }
  std::lock_guard lk(read_mu_);
  // usage_by_time narrows it to the period; the provider filter reads those rows.
  auto st = read_db_.prepare("SELECT COALESCE(SUM(cost_nano_usd), 0) FROM usage WHERE time_ms >= ?1 AND time_ms < ?2 "
                             "AND provider IN (" + in + ")");
  if (!st) {
    return st.error();
  }
  st->bind(1, since_ms).bind(2, until_ms);
  for (size_t i = 0; i < providers.size(); ++i) {
    st->bind(static_cast<int>(i + 3), providers[i]);
  }
  auto row = st->step();
  if (!row) {
    return row.error();
  }
  return st->column_int64(0);
}

}  // namespace gw
