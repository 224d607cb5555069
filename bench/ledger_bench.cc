// What a usage record costs the process, the writer thread included, and how many records share a
// commit, for callers that record concurrently as requests do under bench/run.sh. bench/run.sh
// measures the whole gateway on a noisy shared machine; this isolates the ledger so a change to it
// can be judged on its own. Reports only.
//
//   build/bench/ledger_bench                                  # strict and relaxed, 1/8/32/128 callers
//   build/bench/ledger_bench --benchmark_filter='Record/1/32'
//   export SWITCHYARD_BENCH_POSTGRES=$(tests/servers/postgres.sh start /tmp/pg.state)
//   build/bench/ledger_bench --benchmark_filter=RecordPostgres   # this process's CPU only
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "gw/common/asio.h"
#include "gw/common/clock.h"
#include "gw/common/ids.h"
#include "gw/ledger/postgres_ledger.h"
#include "gw/ledger/sqlite_ledger.h"

namespace {

// Each caller records this many records back to back per benchmark iteration.
constexpr int kPerCaller = 64;

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// The record bench/run.sh's plain request produces.
gw::UsageRecord bench_record(const gw::Clock& clock) {
  gw::UsageRecord r;
  r.request_id = gw::new_request_id();
  r.time_ms = gw::unix_ms(clock.now());
  r.key_id = "cfg-bench";
  r.key_name = "bench";
  r.model = "bench-plain";
  r.provider = "nginx-plain";
  r.deployment = "bench";
  r.usage.input = 12;
  r.usage.output = 11;
  r.cost_nano_usd = 34000;
  r.status = 200;
  r.outcome = "ok";
  r.latency_ms = 2;
  return r;
}

// Records from `callers` coroutines into the ledger `open` makes. Args: strict (1) or relaxed (0);
// concurrent callers.
void run_records(benchmark::State& state,
                 const std::function<std::unique_ptr<gw::Ledger>(gw::config::LedgerSync)>& open) {
  const auto sync = state.range(0) != 0 ? gw::config::LedgerSync::Strict : gw::config::LedgerSync::Relaxed;
  const int callers = static_cast<int>(state.range(1));
  const gw::Clock& clock = gw::real_clock();
  uint64_t records = 0;
  double cpu = 0;
  uint64_t commits = 0;
  {
    auto ledger = open(sync);
    gw::net::io_context io;
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
      for (int c = 0; c < callers; ++c) {
        gw::net::co_spawn(
            io,
            [&]() -> gw::net::awaitable<void> {
              for (int i = 0; i < kPerCaller; ++i) {
                auto r = co_await ledger->record(bench_record(clock));
                if (!r) {
                  throw std::runtime_error(r.error().message);
                }
              }
            },
            gw::net::detached);
      }
      io.run();
      io.restart();
      records += static_cast<uint64_t>(callers) * kPerCaller;
    }
    ledger->flush_blocking();  // relaxed: the writer's share of the cost is counted too
    cpu = process_cpu_seconds() - cpu0;
    commits = ledger->counters().commits;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["cpu_us_per_record"] = cpu * 1e6 / static_cast<double>(records);
  state.counters["records_per_commit"] = static_cast<double>(records) / static_cast<double>(std::max<uint64_t>(commits, 1));
}

void Record(benchmark::State& state) {
  const auto path = (std::filesystem::temp_directory_path() /
                     ("switchyard_ledger_bench_" + std::to_string(::getpid()) + ".db"))
                        .string();
  auto remove_db = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
  };
  remove_db();
  run_records(state, [&](gw::config::LedgerSync sync) {
    return std::make_unique<gw::SqliteLedger>(path, sync, gw::real_clock());
  });
  remove_db();
}

// The same against the PostgreSQL server SWITCHYARD_BENCH_POSTGRES names (its usage table grows).
void RecordPostgres(benchmark::State& state) {
  const char* url = std::getenv("SWITCHYARD_BENCH_POSTGRES");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError("set SWITCHYARD_BENCH_POSTGRES to a postgres:// URL");
    return;
  }
  run_records(state, [&](gw::config::LedgerSync sync) {
    return std::make_unique<gw::PostgresLedger>(url, sync, gw::real_clock());
  });
}

BENCHMARK(Record)
    ->ArgNames({"strict", "callers"})
    ->ArgsProduct({{1, 0}, {1, 8, 32, 128}})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);
BENCHMARK(RecordPostgres)
    ->ArgNames({"strict", "callers"})
    ->ArgsProduct({{1, 0}, {1, 8, 32, 128}})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

}  // namespace
