// PgBounds against a real server (ctest's `postgres` fixture), made silent by a proxy that freezes
// as a blackholed network does.
#include <gtest/gtest.h>

#include "gw/storage/postgres.h"
#include "postgres_test_db.h"
#include "tcp_proxy.h"

namespace gw::storage {
namespace {

using namespace std::chrono_literals;
using gw::testing::PostgresTestDb;
using gw::testing::TcpProxy;

constexpr PgBounds kShort{500ms, 300ms};

int port_of(const std::string& url) {
  const size_t at = url.rfind('@');
  const size_t colon = url.find(':', at);
  return std::stoi(url.substr(colon + 1, url.find('/', colon) - colon - 1));
}

std::string via(const std::string& url, const TcpProxy& proxy) {
  const size_t at = url.rfind('@');
  return url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy.port()) + url.substr(url.find('/', at));
}

std::string password_of(const std::string& url) {
  const size_t colon = url.find(':', url.find("://") + 3);
  return url.substr(colon + 1, url.rfind('@') - colon - 1);
}

TEST(PgBounds, AStatementOnASilentServerGivesUpAndTheConnectionRecovers) {
  PostgresTestDb db;
  TcpProxy proxy(port_of(db.url()));
  const std::string url = via(db.url(), proxy);
  auto c = PgConnection::open(url, "bounds-test", kShort);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->exec("SELECT 1", {}));

  proxy.freeze();
  auto r = c->exec("SELECT $1::int", {std::string("2")});
  ASSERT_FALSE(r);  // returned at all: a hang is ended by ctest's timeout
  EXPECT_TRUE(c->timed_out());
  EXPECT_FALSE(c->connected()) << "a connection that timed out is not used again";
  EXPECT_NE(r.error().message.find("no answer within 300 ms"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find(password_of(url)), std::string::npos) << r.error().message;

  proxy.thaw();
  ASSERT_TRUE(c->ensure_connected());
  auto again = c->exec("SELECT $1::int", {std::string("3")});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->text(0, 0), "3");
  EXPECT_FALSE(c->timed_out());
}

TEST(PgBounds, ConnectingToASilentServerGivesUp) {
  PostgresTestDb db;
  TcpProxy proxy(port_of(db.url()));
  const std::string url = via(db.url(), proxy);
  proxy.freeze();  // the handshake completes in the kernel; the server's greeting never comes
  auto c = PgConnection::open(url, "bounds-test", kShort);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("cannot connect: no answer within 500 ms"), std::string::npos)
      << c.error().message;
  EXPECT_EQ(c.error().message.find(password_of(url)), std::string::npos) << c.error().message;
  proxy.thaw();
}

TEST(PgBounds, TheServerIsToldTheBoundToo) {
  PostgresTestDb db;
  auto bounded = PgConnection::open(db.url(), "bounds-test", kShort);
  ASSERT_TRUE(bounded);
  EXPECT_EQ(bounded->exec("SHOW statement_timeout")->text(0, 0), "300ms");
  auto later = PgConnection::open(db.url(), "bounds-test");
  ASSERT_TRUE(later);
  ASSERT_TRUE(later->set_bounds(PgBounds{1s, 2s}));
  EXPECT_EQ(later->exec("SHOW statement_timeout")->text(0, 0), "2s");
  ASSERT_TRUE(later->reconnect());
  EXPECT_EQ(later->exec("SHOW statement_timeout")->text(0, 0), "2s") << "kept across reconnects";
}

// The non-blocking path answers as PQexec does: the last result, or the first error.
TEST(PgBounds, BoundedExecReadsEveryResult) {
  PostgresTestDb db;
  auto c = PgConnection::open(db.url(), "bounds-test", kShort);
  ASSERT_TRUE(c);
  auto two = c->exec("SELECT 1; SELECT 2");
  ASSERT_TRUE(two) << two.error().message;
  EXPECT_EQ(two->text(0, 0), "2");
  auto bad = c->exec("SELECT 1; SELECT 1/0; SELECT 3");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("division by zero"), std::string::npos) << bad.error().message;
  EXPECT_EQ(c->last_sqlstate(), "22012");
  EXPECT_TRUE(c->connected());
  auto rows = c->exec("SELECT generate_series(1, 50000)::text", {});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->rows(), 50000);
}

}  // namespace
}  // namespace gw::storage
