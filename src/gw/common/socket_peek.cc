#include "gw/common/socket_peek.h"

#include <sys/socket.h>

#include <cerrno>

namespace gw {

PeerState peek_peer(const tcp::socket& s) {
  if (!s.is_open()) {
    return PeerState::Closed;
  }
  char byte = 0;
  const ssize_t n = ::recv(const_cast<tcp::socket&>(s).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    return PeerState::Data;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return PeerState::Open;
  }
  return PeerState::Closed;
}

}  // namespace gw
