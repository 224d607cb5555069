#pragma once
// Schema migrations of a PostgreSQL ledger database (ledger and keys share one database). The SQL
// lives in migrations/postgres/NNNN_*.sql and is embedded in the binary (postgres_migrations.cc
// mirrors it, a unit test keeps the two identical), numbered like the SQLite migrations.
#include <vector>

#include "gw/common/result.h"
#include "gw/storage/migrations.h"
#include "gw/storage/postgres.h"

namespace gw::storage {

// Every PostgreSQL migration known to this binary, in order.
const std::vector<Migration>& postgres_migrations();

// Applies the migrations newer than the database's schema_version in one transaction (PostgreSQL's
// DDL is transactional) under a transaction-scoped advisory lock, so that gateways starting
// against the same database at once migrate it exactly once. Returns the resulting version.
Result<int> migrate_postgres(PgConnection& db);
Result<int> migrate_postgres(PgConnection& db, const std::vector<Migration>& list);

}  // namespace gw::storage
