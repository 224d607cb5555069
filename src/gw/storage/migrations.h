#pragma once
// Schema migrations of the ledger database (ledger and keys share one SQLite file).
// The SQL lives in migrations/NNNN_*.sql and is embedded in the binary (migrations.cc mirrors it,
// a unit test keeps the two identical), so `switchyard` works from any working directory.
#include <string_view>
#include <vector>

#include "gw/common/result.h"
#include "gw/storage/sqlite.h"

namespace gw::storage {

struct Migration {
  int version;            // NNNN of the file name; applied in increasing order
  std::string_view name;  // the file name, e.g. "0001_ledger.sql"
  std::string_view sql;
};

// Every migration known to this binary, in order.
const std::vector<Migration>& migrations();

// Applies the migrations newer than the database's schema_version, each in its own transaction.
// Safe when several connections or processes open the same file at once (BEGIN IMMEDIATE, then
// the version is re-read under the write lock). Returns the resulting version.
Result<int> migrate(Db& db);
Result<int> migrate(Db& db, const std::vector<Migration>& list);

}  // namespace gw::storage
