#pragma once
// The Asio vocabulary of the I/O layers: awaitables whose errors arrive as values (as_tuple).
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace gw {
namespace net = boost::asio;
using tcp = net::ip::tcp;
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
}  // namespace gw
