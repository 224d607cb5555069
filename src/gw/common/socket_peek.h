#pragma once
// What a connection's peer has done, seen without reading: a one-byte MSG_PEEK. For a pooled
// upstream connection (is it still usable?) and a client connection (has the client left?).
#include "gw/common/asio.h"

namespace gw {

enum class PeerState {
  Open,     // nothing to read, no close: the peer is there and silent
  Data,     // bytes are waiting (left unread)
  Closed,   // an orderly close (FIN), a reset, or any other error: the peer is gone
};

PeerState peek_peer(const tcp::socket& s);

}  // namespace gw
