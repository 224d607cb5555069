#pragma once
// TLS settings of the upstream client: one ssl::context per HttpClient, peers always verified.
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

namespace gw::upstream {

namespace ssl = boost::asio::ssl;

// A client context that verifies peers against the system store plus `ca_file` when not empty.
// Runs once at startup (control plane): an unreadable ca_file throws std::runtime_error, because a
// client that silently dropped a configured trust anchor would fail every call later, less clearly.
std::unique_ptr<ssl::context> make_tls_context(const std::string& ca_file);

}  // namespace gw::upstream
