#pragma once
#include <map>

#include "gw/ledger/ledger.h"

namespace gw::test {

// A ledger that only answers spent_since, from a table the test fills.
class SpendLedger : public Ledger {
 public:
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> spend;  // key -> (time_ms, nano)
  int queries = 0;

  net::awaitable<Result<void>> record(UsageRecord) override { co_return Result<void>{}; }
  void flush_blocking() override {}
  Result<std::vector<UsageRow>> usage(const UsageQuery&) override { return std::vector<UsageRow>{}; }
  LedgerCounters counters() const override { return {}; }
  Result<int64_t> spent_since(const std::string& key_id, int64_t since_ms) override {
    ++queries;
    int64_t sum = 0;
    for (const auto& [t, v] : spend[key_id]) {
      if (t >= since_ms) {
        sum += v;
      }
    }
    return sum;
  }
};

}  // namespace gw::test
