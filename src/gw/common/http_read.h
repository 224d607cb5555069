#pragma once
// Feeding a Beast HTTP parser from a stream: what http::async_read_some does, without its
// composed-operation machinery (a post to complete, a timer per read on a beast::tcp_stream).
// The client Session and upstream::Connection each own their socket, buffer and deadline
// (deadline_sweep.h) and loop over this step until their parser has what they wait for.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <algorithm>

#include "gw/common/asio.h"

namespace gw {

// put() what `buf` holds; while the parser needs more, reads from `s` into `buf`. Returns after
// one step of progress, at the end of the message, or on an error: http::error::end_of_stream
// when the peer closed before any byte of this message, the parser's verdict (put_eof) when it
// closed within one, the read's own error otherwise.
template <typename Stream, typename Parser>
net::awaitable<boost::system::error_code> read_http_step(Stream& s, boost::beast::flat_buffer& buf, Parser& p) {
  namespace http = boost::beast::http;
  boost::system::error_code ec;
  for (;;) {
    if (buf.size() != 0) {
      const size_t used = p.put(buf.data(), ec);
      buf.consume(used);
      if (ec != http::error::need_more) {
        co_return ec;
      }
      ec = {};
    }
    // The buffer holds only what the parser could not take yet (a header, a chunk line): its
    // max_size bounds that, so endless bytes with no line end (a chunk extension never closed)
    // are an error, not memory until the process dies.
    const size_t room = buf.max_size() - buf.size();
    if (room == 0) {
      co_return http::error::buffer_overflow;
    }
    const auto into = buf.prepare(std::min(room, std::clamp<size_t>(buf.capacity() - buf.size(), 512, 65536)));
    auto [rec, n] = co_await s.async_read_some(into, use_nothrow);
    if (rec == net::error::eof) {
      if (!p.got_some()) {
        co_return http::error::end_of_stream;
      }
      p.put_eof(ec);  // a body delimited by the close ends here; any other is cut short
      co_return ec;
    }
    if (rec) {
      co_return rec;
    }
    buf.commit(n);
  }
}

}  // namespace gw
