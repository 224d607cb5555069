// TLS: a test CA and a server certificate for "localhost" are made with the openssl CLI.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <filesystem>

#include "gw/upstream/http_client.h"
#include "test_support.h"

namespace gw::test {
namespace {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

class HttpClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "gw_upstream_tls_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = new fs::path(tmpl);
    const std::string d = dir_->string();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "cd '" + d + "' && ( " +
        "openssl req -x509" + ec + " -keyout ca.key -out ca.pem -days 2 -subj '/CN=Switchyard Test CA'"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && " +
        "openssl req" + ec + " -keyout server.key -out server.csr -subj '/CN=localhost' && " +
        "printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
        "extendedKeyUsage=serverAuth\\n' > ext.cnf && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
        " -extfile ext.cnf -out server.pem )";
    ASSERT_EQ(std::system((script + " > openssl.log 2>&1").c_str()), 0) << "see " << d << "/openssl.log";
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
  }
  static std::string file(const char* name) { return (*dir_ / name).string(); }

  // An HTTPS keep-alive server on 127.0.0.1:0; handshake failures just drop the connection.
  TestServer::Handler tls_handler(ssl::context& ctx, int& served) {
    return [&ctx, &served](tcp::socket sock) -> net::awaitable<void> {
      beast::ssl_stream<beast::tcp_stream> s(std::move(sock), ctx);
      beast::get_lowest_layer(s).expires_after(20s);
      auto [hec] = co_await s.async_handshake(ssl::stream_base::server, use_nothrow);
      if (hec) {
        co_return;
      }
      beast::get_lowest_layer(s).expires_never();
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      while (co_await read_request(s, buf, req)) {
        auto res = ok("secure " + std::string(req[http::field::host]));
        res.prepare_payload();
        auto [ec, n] = co_await http::async_write(s, res, use_nothrow);
        if (ec) {
          co_return;
        }
        ++served;
      }
    };
  }

  void SetUp() override {
    server_ctx_.use_certificate_chain_file(file("server.pem"));
    server_ctx_.use_private_key_file(file("server.key"), ssl::context::pem);
  }

  static fs::path* dir_;
  ssl::context server_ctx_{ssl::context::tls_server};
};

fs::path* HttpClientTls::dir_ = nullptr;

TEST_F(HttpClientTls, TrustedCaSucceedsAndConnectionIsReused) {
  net::io_context io;
  int served = 0;
  TestServer server(io, tls_handler(server_ctx_, served));
  HttpClientOptions opts;
  opts.ca_file = file("ca.pem");
  auto client = make_http_client(io.get_executor(), opts);
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/v1/x";
  run(io, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto ex = co_await client->start(get(url), generous());
      CO_ASSERT_TRUE(ex.has_value());
      auto body = co_await (*ex)->read_all(1000);
      CO_ASSERT_TRUE(body.has_value());
      EXPECT_EQ(*body, "secure localhost:" + std::to_string(server.port()));
    }
  });
  EXPECT_EQ(served, 3);
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(HttpClientTls, UnknownCaFailsVerification) {
  net::io_context io;
  int served = 0;
  TestServer server(io, tls_handler(server_ctx_, served));
  auto client = make_http_client(io.get_executor());  // system store only
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(url), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_NE(ex.error().message.find("TLS handshake with localhost:"), std::string::npos)
        << ex.error().message;
    EXPECT_NE(ex.error().message.find("certificate verify failed"), std::string::npos)
        << ex.error().message;
  });
  EXPECT_EQ(served, 0);
}

TEST_F(HttpClientTls, WrongHostNameFailsVerification) {
  net::io_context io;
  int served = 0;
  TestServer server(io, tls_handler(server_ctx_, served));
  HttpClientOptions opts;
  opts.ca_file = file("ca.pem");
  auto client = make_http_client(io.get_executor(), opts);
  // Same server, same trusted chain, but reached as 127.0.0.1: the certificate names localhost only.
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(url), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_NE(ex.error().message.find("certificate verify failed"), std::string::npos)
        << ex.error().message;
  });
  EXPECT_EQ(served, 0);
}

TEST_F(HttpClientTls, PlainHttpServerFailsTheHandshake) {
  net::io_context io;
  TestServer server(io, keep_alive_handler([](const auto&) { return ok("plain"); }));
  HttpClientOptions opts;
  opts.ca_file = file("ca.pem");
  auto client = make_http_client(io.get_executor(), opts);
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(url), generous());
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamError);
    EXPECT_TRUE(ex.error().retryable);
  });
}

TEST_F(HttpClientTls, StalledHandshakeCountsAgainstTheConnectTimeout) {
  net::io_context io;
  TestServer server(io, [](tcp::socket sock) -> net::awaitable<void> {
    co_await sleep_for(60s);  // accepts, never speaks TLS
  });
  HttpClientOptions opts;
  opts.ca_file = file("ca.pem");
  auto client = make_http_client(io.get_executor(), opts);
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  run(io, [&]() -> net::awaitable<void> {
    auto ex = co_await client->start(get(url), Timeouts{300ms, 20s, 20s});
    CO_ASSERT_TRUE(!ex.has_value());
    EXPECT_EQ(ex.error().code, Code::UpstreamTimeout);
    EXPECT_TRUE(ex.error().retryable);
    EXPECT_NE(ex.error().message.find("connect to localhost:"), std::string::npos) << ex.error().message;
  });
}

TEST(HttpClientTlsSetup, UnreadableCaFileThrowsAtStartup) {
  net::io_context io;
  HttpClientOptions opts;
  opts.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(make_http_client(io.get_executor(), opts), std::runtime_error);
}

}  // namespace
}  // namespace gw::test
