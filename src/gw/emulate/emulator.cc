#include "gw/emulate/emulator.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>

#include "gw/common/asio.h"
#include "gw/emulate/replies.h"

namespace gw {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

struct Emulator {
  explicit Emulator(EmulatorOptions o) : opts(std::move(o)) {}
  EmulatorOptions opts;
  std::mt19937_64 rng{std::random_device{}()};
  std::mutex rng_mu;

  bool should_fail() {
    if (opts.fail_rate <= 0) {
      return false;
    }
    std::lock_guard lock(rng_mu);
    return std::uniform_real_distribution<double>(0, 1)(rng) < opts.fail_rate;
  }
};

net::awaitable<void> sleep_ms(double ms) {
  if (ms <= 0) {
    co_return;
  }
  net::steady_timer t(co_await net::this_coro::executor);
  t.expires_after(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
  co_await t.async_wait(use_nothrow);
}

net::awaitable<bool> write_plain(beast::tcp_stream& s, unsigned status, std::string body, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  if (status == 529) {
    res.reason("Overloaded");  // Anthropic's status, unknown to Beast's table
  }
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(s, res, use_nothrow);
  co_return !ec;
}

net::awaitable<bool> write_stream(beast::tcp_stream& s, const std::vector<std::string>& events,
                                  double gap_ms, bool keep_alive) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [ec, n] = co_await http::async_write_header(s, sr, use_nothrow);
  if (ec) {
    co_return false;
  }
  for (const auto& e : events) {
    co_await sleep_ms(gap_ms);
    const auto chunk = http::make_chunk(net::buffer(e));  // named: g++ 12 and co_await temporaries
    auto [wec, wn] = co_await net::async_write(s, chunk, use_nothrow);
    if (wec) {
      co_return false;
    }
  }
  const auto last = http::make_chunk_last();
  auto [lec, ln] = co_await net::async_write(s, last, use_nothrow);
  co_return !lec;
}

net::awaitable<void> serve(Emulator& emu, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  const double gap_ms = emu.opts.tokens_per_s > 0 ? 1000.0 / emu.opts.tokens_per_s : 0;
  while (true) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, use_nothrow);
    if (ec) {
      break;
    }
    const bool keep = req.keep_alive();
    const std::string_view path = req.target().substr(0, req.target().find('?'));
    const bool counting = path == "/v1/messages/count_tokens";
    const bool anthropic = path == "/v1/messages" || counting;
    const bool embeddings = path == "/v1/embeddings";
    if (req.method() != http::verb::post || !(anthropic || embeddings || path == "/v1/chat/completions")) {
      if (!co_await write_plain(stream, 404, R"({"error":{"message":"not found","type":"not_found_error"}})", keep)) {
        break;
      }
      continue;
    }
    boost::system::error_code jec;
    json::value body = json::parse(req.body(), jec);
    if (jec || !body.is_object()) {
      const char* err = anthropic ? R"({"type":"error","error":{"type":"invalid_request_error","message":"body is not a JSON object"}})"
                                  : R"({"error":{"message":"body is not a JSON object","type":"invalid_request_error"}})";
      if (!co_await write_plain(stream, 400, err, keep)) {
        break;
      }
      continue;
    }
    co_await sleep_ms(emu.opts.latency_ms);
    bool ok = true;
    if (counting) {  // free upstream, so never failed on purpose either
      ok = co_await write_plain(stream, 200, emulate::anthropic_count(emulate::plan_anthropic(body.as_object(), emu.opts.reply_tokens)), keep);
    } else if (emu.should_fail()) {
      const char* body = anthropic ? R"({"type":"error","error":{"type":"overloaded_error","message":"emulated overload"}})"
                                   : R"({"error":{"message":"emulated overload","type":"server_error"}})";
      ok = co_await write_plain(stream, anthropic ? 529 : 503, body, keep);
    } else if (embeddings) {
      const std::optional<std::string> list = emulate::openai_embeddings(body.as_object());
      // Two statements, not ?: — g++ 12 mis-destroys temporaries of a co_await inside one.
      if (list) {
        ok = co_await write_plain(stream, 200, *list, keep);
      } else {
        ok = co_await write_plain(stream, 400, R"({"error":{"message":"input is required","type":"invalid_request_error"}})", keep);
      }
    } else if (anthropic) {
      auto s = emulate::plan_anthropic(body.as_object(), emu.opts.reply_tokens);
      if (s.stream) {
        const auto events = emulate::anthropic_stream(s);
        ok = co_await write_stream(stream, events, gap_ms, keep);
      } else {
        ok = co_await write_plain(stream, 200, emulate::anthropic_response(s), keep);
      }
    } else {
      auto s = emulate::plan_openai(body.as_object(), emu.opts.reply_tokens);
      if (s.stream) {
        const auto events = emulate::openai_stream(s);
        ok = co_await write_stream(stream, events, gap_ms, keep);
      } else {
        ok = co_await write_plain(stream, 200, emulate::openai_response(s), keep);
      }
    }
    if (!ok || !keep) {
      break;
    }
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> accept_loop(Emulator& emu, tcp::acceptor& acceptor) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec) {
      co_return;
    }
    socket.set_option(tcp::no_delay(true));
    net::co_spawn(acceptor.get_executor(), serve(emu, std::move(socket)), net::detached);
  }
}

}  // namespace

int run_emulator(const EmulatorOptions& opts) {
  std::signal(SIGPIPE, SIG_IGN);
  Emulator emu(opts);
  auto colon = opts.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "emulate: --listen must be HOST:PORT\n";
    return 2;
  }
  net::io_context io;
  tcp::endpoint ep(net::ip::make_address(opts.listen.substr(0, colon)),
                   static_cast<unsigned short>(std::stoi(opts.listen.substr(colon + 1))));
  tcp::acceptor acceptor(io, ep, true);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  net::co_spawn(io, accept_loop(emu, acceptor), net::detached);
  std::cerr << R"({"msg":"emulator listening","address":")" << acceptor.local_endpoint().address().to_string()
            << ":" << acceptor.local_endpoint().port() << "\"}" << std::endl;
  std::vector<std::thread> extra;
  for (int i = 1; i < opts.threads; ++i) {
    extra.emplace_back([&io] { io.run(); });
  }
  io.run();
  for (auto& t : extra) {
    t.join();
  }
  return 0;
}

}  // namespace gw
