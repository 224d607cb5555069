#pragma once
#include <boost/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gw/auth/key_store_factory.h"
#include "gw/common/asio.h"
#include "gw/ledger/make_ledger.h"
#include "gw/ledger/sqlite_ledger.h"

namespace gw::test {

inline std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("gw_admin_" + name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(p.string() + suffix);
  }
  return p.string();
}

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

inline void record_sync(Ledger& ledger, UsageRecord r) {
  net::io_context io;
  net::co_spawn(io, [&]() -> net::awaitable<void> { (void)co_await ledger.record(std::move(r)); }, net::detached);
  io.run();
}

inline boost::json::value json(const std::string& body) { return boost::json::parse(body); }

}  // namespace gw::test
