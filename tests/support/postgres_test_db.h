#pragma once
// The PostgreSQL server of the test run (tests/servers/postgres.sh, started by the ctest fixture
// `postgres`, which names its state file in SWITCHYARD_TEST_POSTGRES_STATE) and a database of
// its own for each test, so tests may run in parallel. Without a server every test that uses one
// fails: a PostgreSQL test is never skipped.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gw/storage/postgres.h"

namespace gw::testing {

// The superuser URL of the server (its database is `postgres`).
inline std::string postgres_server_url() {
  const char* state = std::getenv("SWITCHYARD_TEST_POSTGRES_STATE");
  if (state == nullptr || *state == '\0') {
    throw std::runtime_error(
        "SWITCHYARD_TEST_POSTGRES_STATE is not set: run through ctest (its `postgres` fixture starts "
        "the server), or start one with tests/servers/postgres.sh start FILE and set it to FILE");
  }
  std::ifstream in(state);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("url=", 0) == 0) {
      return line.substr(4);
    }
  }
  throw std::runtime_error(std::string("no PostgreSQL server state in ") + state +
                           " (did tests/servers/postgres.sh start fail?)");
}

// The same server and credentials, another database.
inline std::string postgres_url_for(const std::string& dbname) {
  std::string url = postgres_server_url();
  return url.substr(0, url.rfind('/') + 1) + dbname;
}

inline storage::PgConnection postgres_connect(const std::string& url) {
  auto c = storage::PgConnection::open(url, "switchyard-test");
  if (!c) {
    throw std::runtime_error(c.error().message);
  }
  return std::move(*c);
}

// Runs SQL that must succeed; returns its rows.
inline storage::PgRows pg_exec(storage::PgConnection& c, const std::string& sql,
                               const std::vector<storage::PgParam>& params = {}) {
  auto r = c.exec(sql, params);
  if (!r) {
    throw std::runtime_error(sql + ": " + r.error().message);
  }
  return std::move(*r);
}

// A fresh, empty database named after the running test, dropped again at the end.
class PostgresTestDb {
 public:
  PostgresTestDb() : admin_(postgres_connect(postgres_server_url())) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
      return std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
    });
    name_ = "t" + std::to_string(::getpid()) + "_" + name.substr(0, 45);
    pg_exec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    pg_exec(admin_, "CREATE DATABASE " + name_);
    url_ = postgres_url_for(name_);
  }
  ~PostgresTestDb() {
    (void)admin_.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PostgresTestDb(const PostgresTestDb&) = delete;
  PostgresTestDb& operator=(const PostgresTestDb&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // A connection of our own to the test database (another process, as far as the code can tell).
  storage::PgConnection connect() const { return postgres_connect(url_); }

  // Ends every backend of this database whose application_name is `app`; returns how many.
  int terminate(std::string_view app) {
    auto rows = pg_exec(admin_,
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = $1 AND application_name = $2",
                        {name_, std::string(app)});
    return rows.rows();
  }

 private:
  storage::PgConnection admin_;
  std::string name_;
  std::string url_;
};

// Creates `role` (cluster-wide: name it per process and test), allowed to read and write the test
// database's tables but not to create anything; returns its URL. Drop it with drop_role().
inline std::string create_dml_only_role(const PostgresTestDb& db, const std::string& role) {
  auto c = db.connect();
  pg_exec(c, "DROP ROLE IF EXISTS " + role);
  pg_exec(c, "CREATE ROLE " + role + " LOGIN PASSWORD 'dml-only-pw'");
  pg_exec(c, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  pg_exec(c, "GRANT CONNECT ON DATABASE " + db.name() + " TO " + role);
  pg_exec(c, "GRANT USAGE ON SCHEMA public TO " + role);
  pg_exec(c, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role);
  pg_exec(c, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role);
  const std::string& url = db.url();
  return "postgres://" + role + ":dml-only-pw" + url.substr(url.rfind('@'));
}

inline void drop_role(const PostgresTestDb& db, const std::string& role) {
  auto c = db.connect();
  pg_exec(c, "DROP OWNED BY " + role);
  pg_exec(c, "DROP ROLE " + role);
}

}  // namespace gw::testing
