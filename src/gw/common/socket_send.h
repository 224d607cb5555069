#pragma once
// The first attempt of every write on a non-blocking socket: one send, no asynchronous operation.
// A reply or request that fits the socket's send buffer (nearly all of them) is thereby written
// without a scheduler round trip; the caller writes whatever is left asynchronously.
#include "gw/common/asio.h"

namespace gw {

// Sends what the socket takes now. Returns the bytes sent; a full send buffer is not an error
// (0 bytes). `ec` is set only for a real failure (the peer is gone).
template <typename Buffers>
size_t send_now(tcp::socket& s, const Buffers& bufs, boost::system::error_code& ec) {
  const size_t n = s.write_some(bufs, ec);  // the socket is in non-blocking mode
  if (ec == net::error::would_block || ec == net::error::try_again) {
    ec = {};
    return 0;
  }
  return ec ? 0 : n;
}

}  // namespace gw
