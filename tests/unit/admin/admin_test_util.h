#pragma once
#include <boost/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gw/auth/key_store_factory.h"
#include "gw/common/asio.h"
#include "gw/ledger/make_ledger.h"
#include "gw/ledger/sqlite_ledger.h"
#include "ledger_records.h"  // test::usage_record

namespace gw::test {

inline std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("gw_admin_" + name + "_" + std::to_string(::getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(p.string() + suffix);
  }
  return p.string();
}

inline void record_sync(Ledger& ledger, UsageRecord r) {
  net::io_context io;
  net::co_spawn(io, [&]() -> net::awaitable<void> { (void)co_await ledger.record(std::move(r)); }, net::detached);
  io.run();
}

inline boost::json::value json(const std::string& body) { return boost::json::parse(body); }

}  // namespace gw::test
