// The libpq wrapper's parts that need no server: redaction and the embedded migrations. Everything
// that talks to a server is in the *_pg_test.cc files (ctest's `postgres` fixture).
#include "gw/storage/postgres.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gw/storage/postgres_migrations.h"

namespace gw::storage {
namespace {

TEST(Postgres, RecognisesBothUrlSchemes) {
  EXPECT_TRUE(is_postgres_url("postgres://u:p@h:5432/db"));
  EXPECT_TRUE(is_postgres_url("postgresql://h/db"));
  EXPECT_FALSE(is_postgres_url("sqlite://x.db"));
  EXPECT_FALSE(is_postgres_url("postgres:/x"));
}

TEST(Postgres, RedactedUrlsNeverShowThePassword) {
  EXPECT_EQ(redact_url("postgres://user:s3cret@db.example:6543/ledger"), "postgres://user@db.example:6543/ledger");
  EXPECT_EQ(redact_url("postgresql://user:p%40ss@h/db"), "postgres://user@h/db");
  const std::string in_query = redact_url("postgres://h/db?user=u&password=hunter22");
  EXPECT_EQ(in_query.find("hunter22"), std::string::npos) << in_query;
  const std::string broken = redact_url("postgres://u:hunter22@h:port/db?bogus=1");
  EXPECT_EQ(broken.find("hunter22"), std::string::npos) << broken;
}

TEST(Postgres, ConnectErrorsNeverShowThePassword) {
  for (const std::string url : {"postgres://u:hunter22@127.0.0.1:1/db", "postgres://u:hunter22@127.0.0.1:x/db",
                                "postgresql://u:hunter22@127.0.0.1:1/db?nonsense=1",
                                "postgres://u:hunt%65r22@127.0.0.1:1/db"}) {
    auto c = PgConnection::open(url, "switchyard-test");
    ASSERT_FALSE(c) << url;
    EXPECT_EQ(c.error().message.find("hunter22"), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("hunt%65r22"), std::string::npos) << c.error().message;
  }
}

// Unencoded base64 passwords are common: every URL delimiter may appear in one. The password is
// three marked pieces around the delimiter, so a partial leak ("p" of "p@ss") shows too.
constexpr const char* kDelimiters[] = {"/", "@", ":", "#", "?", "+", "=", "@@", "/+="};

std::string special_password(std::string_view delimiter) {
  return "Zq9" + std::string(delimiter) + "Xw8" + std::string(delimiter) + "Vu7";
}

void expect_no_piece_of_the_password(const std::string& text, const std::string& context) {
  for (const char* piece : {"Zq9", "Xw8", "Vu7"}) {
    EXPECT_EQ(text.find(piece), std::string::npos) << context << " -> " << text;
  }
}

TEST(Postgres, RedactionHidesPasswordsHoldingUrlDelimiters) {
  EXPECT_EQ(redact_url("postgres://gw:abc/def+ghi=@db.example:5432/switchyard"),
            "postgres://gw@db.example:5432/switchyard");
  EXPECT_EQ(redact_url("postgres://gw:p@ss@db.example:5432/switchyard"), "postgres://gw@db.example:5432/switchyard");
  EXPECT_EQ(redact_url("postgres://gw:se#cret@db.example:5432/switchyard"),
            "postgres://gw@db.example:5432/switchyard");
  // '?' before the last '@': which part is the password cannot be told.
  EXPECT_EQ(redact_url("postgres://gw:se?cret@db.example:5432/switchyard"), "postgres://(redacted)");
  for (const char* d : kDelimiters) {
    for (const std::string tail : {"@db.example:5432/switchyard", "@db.example/switchyard?sslmode=disable",
                                   "@127.0.0.1:1/db"}) {
      const std::string url = "postgres://gw:" + special_password(d) + tail;
      expect_no_piece_of_the_password(redact_url(url), url);
      expect_no_piece_of_the_password(redact_url("postgresql" + url.substr(8)), url);
    }
  }
}

TEST(Postgres, ConnectErrorsHidePasswordsHoldingUrlDelimiters) {
  for (const char* d : kDelimiters) {
    for (const std::string tail : {"@127.0.0.1:1/db", "@127.0.0.1:x/db", "@127.0.0.1:1/db?nonsense=1",
                                   "@no-such-host.invalid:5432/db"}) {
      const std::string url = "postgres://gw:" + special_password(d) + tail;
      auto c = PgConnection::open(url, "switchyard-test", {std::chrono::milliseconds(3000), std::chrono::milliseconds(1000)});
      ASSERT_FALSE(c) << url;
      expect_no_piece_of_the_password(c.error().message, url);
    }
  }
}

// The embedded SQL must be exactly what migrations/postgres/ holds, in file-name order, numbered
// like the SQLite migrations.
TEST(PostgresMigrations, EmbeddedSqlMirrorsTheMigrationsFolder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(GW_SOURCE_DIR) + "/migrations/postgres")) {
    if (e.path().extension() == ".sql") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  const auto& embedded = postgres_migrations();
  ASSERT_EQ(files.size(), embedded.size());
  ASSERT_EQ(embedded.size(), migrations().size()) << "one PostgreSQL migration per SQLite migration";
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i]);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(embedded[i].version, static_cast<int>(i + 1));
    EXPECT_EQ(embedded[i].name, files[i].filename().string());
    EXPECT_EQ(embedded[i].name, migrations()[i].name);
    EXPECT_EQ(embedded[i].sql, text.str()) << files[i];
  }
}

}  // namespace
}  // namespace gw::storage
