#include "gw/redis/client.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "redis_test_server.h"

namespace gw::redis {
namespace {

using namespace std::chrono_literals;

// The client runs on the test thread's io_context; drive() runs it until `op` completes.
class ClientTest : public ::testing::Test {
 protected:
  template <class T>
  T drive(net::awaitable<T> op) {
    std::optional<T> out;
    net::co_spawn(io_, std::move(op), [&](std::exception_ptr e, T v) {
      if (e) {
        std::rethrow_exception(e);
      }
      out.emplace(std::move(v));
      io_.stop();
    });
    io_.restart();
    io_.run();
    return std::move(*out);
  }
  void drive(net::awaitable<void> op) {
    net::co_spawn(io_, std::move(op), [&](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
      io_.stop();
    });
    io_.restart();
    io_.run();
  }

  std::shared_ptr<Client> connect(const std::string& url, std::chrono::milliseconds timeout = 1000ms) {
    auto u = parse_redis_url(url);
    EXPECT_TRUE(u);
    ClientOptions o;
    o.url = *u;
    o.connect_timeout = timeout;
    o.command_timeout = timeout;
    auto c = Client::start(io_.get_executor(), o);
    clients_.push_back(c);
    return c;
  }

  Result<Reply> cmd(Client& c, std::vector<std::string> args) { return drive(c.command(std::move(args))); }

  void TearDown() override {
    for (auto& c : clients_) {
      drive(c->shutdown(0ms));
    }
  }

  net::io_context io_;
  std::vector<std::shared_ptr<Client>> clients_;
  const std::string p_ = test::unique_prefix();
};

TEST_F(ClientTest, RepliesErrorRepliesAndNil) {
  auto c = connect(test::fixture_redis_url());
  auto set = cmd(*c, {"SET", p_ + ":k", "v a l"});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->type, Reply::Type::Status);
  EXPECT_EQ(set->str, "OK");
  auto get = cmd(*c, {"GET", p_ + ":k"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->str, "v a l");
  auto missing = cmd(*c, {"GET", p_ + ":none"});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->is_nil());
  auto wrong = cmd(*c, {"INCR", p_ + ":k"});
  ASSERT_TRUE(wrong) << "an error reply is a reply, not a failure of the connection";
  EXPECT_TRUE(wrong->is_error());
  EXPECT_NE(wrong->str.find("not an integer"), std::string::npos) << wrong->str;
  auto still = cmd(*c, {"EXISTS", p_ + ":k"});
  ASSERT_TRUE(still);
  EXPECT_EQ(still->integer, 1);
  EXPECT_EQ(c->connects(), 1u);
}

TEST_F(ClientTest, ConcurrentCommandsSharePipelinedConnection) {
  auto c = connect(test::fixture_redis_url());
  constexpr int kN = 300;
  std::vector<int64_t> got;
  int done = 0;
  for (int i = 0; i < kN; ++i) {
    net::co_spawn(io_, c->command({"INCR", p_ + ":n"}), [&](std::exception_ptr, Result<Reply> r) {
      got.push_back(r && !r->is_error() ? r->integer : -1);
      if (++done == kN) {
        io_.stop();
      }
    });
  }
  io_.restart();
  io_.run();
  ASSERT_EQ(got.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    EXPECT_EQ(got[i], i + 1) << "replies reach their callers in the order the commands were sent";
  }
  EXPECT_EQ(c->connects(), 1u);
}

TEST_F(ClientTest, EvalShaFallsBackToEvalAfterScriptFlush) {
  auto c = connect(test::fixture_redis_url());
  static const Script s("return KEYS[1] .. '=' .. ARGV[1]");
  ASSERT_TRUE(cmd(*c, {"SCRIPT", "FLUSH"}));
  auto first = drive(c->eval(s, {"a"}, {"1"}));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->str, "a=1") << first->str;
  auto loaded = cmd(*c, {"SCRIPT", "EXISTS", s.sha1});
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->elements.size(), 1u);
  EXPECT_EQ(loaded->elements[0].integer, 1) << "EVAL loaded it, so EVALSHA works from now on";
  auto second = drive(c->eval(s, {"b"}, {"2"}));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->str, "b=2");
  // Fire and forget takes the same fallback, and scripts re-sent after NOSCRIPT keep their order.
  ASSERT_TRUE(cmd(*c, {"SCRIPT", "FLUSH"}));
  static const Script setter("return redis.call('SET', KEYS[1], ARGV[1])");
  static const Script getter("return redis.call('GET', KEYS[1])");
  c->send_eval(setter, {p_ + ":ff"}, {"yes"});
  auto after = drive(c->eval(getter, {p_ + ":ff"}, {}));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->str, "yes");

  // One flushed script and one still loaded: the loaded one, pipelined behind, runs first (it was
  // written before the NOSCRIPT came back), the flushed one as EVAL right after. This is why the
  // client preloads its scripts on every connection rather than rely on the fallback.
  ASSERT_TRUE(cmd(*c, {"SCRIPT", "FLUSH"}));
  ASSERT_TRUE(cmd(*c, {"SCRIPT", "LOAD", getter.source}));
  c->send_eval(setter, {p_ + ":ff2"}, {"late"});
  auto overtook = drive(c->eval(getter, {p_ + ":ff2"}, {}));
  ASSERT_TRUE(overtook);
  EXPECT_TRUE(overtook->is_nil()) << "the loaded script ran before the flushed one's EVAL";
  auto then = drive(c->eval(getter, {p_ + ":ff2"}, {}));
  ASSERT_TRUE(then);
  EXPECT_EQ(then->str, "late") << "and the flushed one still ran, once";
}

TEST_F(ClientTest, PreloadedScriptsAreLoadedOnEveryConnection) {
  test::PrivateRedis server;
  auto c = connect(server.url(), 500ms);
  static const Script s("return 'preloaded'");
  c->preload(s);
  ASSERT_TRUE(cmd(*c, {"PING"}));
  auto exists = cmd(*c, {"SCRIPT", "EXISTS", s.sha1});
  ASSERT_TRUE(exists);
  EXPECT_EQ(exists->elements.at(0).integer, 1);
  server.stop();
  EXPECT_FALSE(cmd(*c, {"PING"}));
  server.start_again();
  Result<Reply> back = make_error(Code::Unavailable, "not yet");
  for (int i = 0; i < 100 && !back; ++i) {
    net::steady_timer pause(io_, 50ms);
    drive(pause.async_wait(net::use_awaitable));
    back = cmd(*c, {"SCRIPT", "EXISTS", s.sha1});
  }
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->elements.at(0).integer, 1) << "loaded by the reconnect, before any command";
}

TEST_F(ClientTest, AuthAndSelectAndAWrongPasswordThatIsNeverEchoed) {
  test::PrivateRedis server("c0rrect-h0rse");
  auto c = connect("redis://:c0rrect-h0rse@127.0.0.1:" + std::to_string(server.port()) + "/3");
  ASSERT_TRUE(cmd(*c, {"SET", "in-db-3", "x"}));
  auto db0 = connect(server.url());
  auto none = cmd(*db0, {"GET", "in-db-3"});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->is_nil()) << "SELECT 3 put it elsewhere";

  auto wrong = connect("redis://:wr0ng-batt3ry@127.0.0.1:" + std::to_string(server.port()));
  auto refused = cmd(*wrong, {"PING"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("AUTH"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("redis://***@127.0.0.1"), std::string::npos) << refused.error().message;
  EXPECT_EQ(refused.error().message.find("wr0ng-batt3ry"), std::string::npos) << refused.error().message;
}

TEST_F(ClientTest, UnreachableRedisFailsAtOnceWithoutThePassword) {
  // A port that was just free: nothing listens there.
  tcp::acceptor probe(io_, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  auto c = connect("redis://:s3cret-pw@127.0.0.1:" + std::to_string(port));
  auto r = cmd(*c, {"PING"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unavailable"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cret-pw"), std::string::npos) << r.error().message;
  auto again = cmd(*c, {"PING"});
  ASSERT_FALSE(again) << "known down: refused without waiting for a connect";
}

TEST_F(ClientTest, AServerThatNeverAnswersTimesTheCommandOut) {
  // Accepts connections and never reads from them.
  tcp::acceptor silent(io_, {net::ip::make_address("127.0.0.1"), 0});
  std::vector<tcp::socket> held;
  std::function<void()> accept = [&] {
    silent.async_accept([&](boost::system::error_code ec, tcp::socket s) {
      if (!ec) {
        held.push_back(std::move(s));
        accept();
      }
    });
  };
  accept();
  auto c = connect("redis://127.0.0.1:" + std::to_string(silent.local_endpoint().port()), 200ms);
  auto r = cmd(*c, {"PING"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no reply within 200 ms"), std::string::npos) << r.error().message;
  silent.close();
}

// Once a connection has failed (no reply in time, or a failed connect), commands do not queue
// behind the reconnect attempts: they fail at once with "unavailable" until it is up again. Before,
// they waited out the attempt's connect timeout (here 30 s, far past anything the test waits).
TEST_F(ClientTest, WhileReconnectingAfterAFailureCommandsFailAtOnce) {
  test::PrivateRedis server;
  ClientOptions o;
  o.url = *parse_redis_url(server.url());
  o.connect_timeout = 30000ms;
  o.command_timeout = 100ms;
  auto c = Client::start(io_.get_executor(), o);
  clients_.push_back(c);
  static const Script s("return 1");
  c->preload(s);  // a reconnect waits for SCRIPT LOAD, which a frozen server never answers
  ASSERT_TRUE(cmd(*c, {"PING"}));
  server.pause();
  auto lost = cmd(*c, {"PING"});
  ASSERT_FALSE(lost);
  EXPECT_NE(lost.error().message.find("no reply within 100 ms"), std::string::npos) << lost.error().message;
  for (int i = 0; i < 3; ++i) {
    auto during = cmd(*c, {"PING"});
    ASSERT_FALSE(during);
    EXPECT_EQ(during.error().code, Code::Unavailable);
    EXPECT_NE(during.error().message.find("not waiting for the reconnect"), std::string::npos)
        << during.error().message;
  }
  server.resume();
}

TEST_F(ClientTest, ReconnectsWhenRedisComesBack) {
  test::PrivateRedis server;
  auto c = connect(server.url(), 500ms);
  ASSERT_TRUE(cmd(*c, {"SET", "k", "1"}));
  server.stop();
  auto down = cmd(*c, {"GET", "k"});
  EXPECT_FALSE(down) << "the server is gone";
  server.start_again();
  // Reconnection happens in the background with backoff; wait for it (bounded).
  Result<Reply> back = make_error(Code::Unavailable, "not yet");
  for (int i = 0; i < 100 && !back; ++i) {
    net::steady_timer pause(io_, 50ms);
    drive(pause.async_wait(net::use_awaitable));
    back = cmd(*c, {"GET", "k"});
  }
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->is_nil()) << "a restarted Redis without persistence is empty";
  EXPECT_EQ(c->connects(), 2u);
}

}  // namespace
}  // namespace gw::redis
