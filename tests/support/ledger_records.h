#pragma once
// Usage records for ledger tests, and recording many at once, shared by the SQLite, PostgreSQL and
// admin tests so that every backend is exercised with the same records.
#include <string>
#include <thread>
#include <vector>

#include "gw/common/asio.h"
#include "gw/ledger/ledger.h"

namespace gw::test {

inline UsageRecord usage_record(std::string id, int64_t time_ms, std::string key, std::string model,
                                std::string provider, std::string deployment, uint64_t in, uint64_t out,
                                int64_t cost) {
  UsageRecord r;
  r.request_id = std::move(id);
  r.time_ms = time_ms;
  r.key_id = "id-" + key;
  r.key_name = std::move(key);
  r.model = std::move(model);
  r.provider = std::move(provider);
  r.deployment = std::move(deployment);
  r.usage.input = in;
  r.usage.output = out;
  r.cost_nano_usd = cost;
  r.status = 200;
  r.outcome = "ok";
  return r;
}

// Runs record() for every record concurrently on one io_context (run by `threads` threads);
// returns the results, index for index.
inline std::vector<Result<void>> record_all(Ledger& ledger, std::vector<UsageRecord> recs, int threads = 1) {
  net::io_context io;
  std::vector<Result<void>> results(recs.size(), make_error(Code::Internal, "not run"));
  for (size_t i = 0; i < recs.size(); ++i) {
    net::co_spawn(
        io,
        [&, i]() -> net::awaitable<void> { results[i] = co_await ledger.record(std::move(recs[i])); },
        net::detached);
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back([&] { io.run(); });
  }
  io.run();
  for (auto& t : pool) {
    t.join();
  }
  return results;
}

}  // namespace gw::test
