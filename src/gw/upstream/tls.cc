#include "gw/upstream/tls.h"

#include <openssl/ssl.h>

#include <stdexcept>

namespace gw::upstream {

std::unique_ptr<ssl::context> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  // The system store (and SSL_CERT_FILE / SSL_CERT_DIR when set): a missing store is not fatal
  // here, since a ca_file may be all a test or an air-gapped deployment needs.
  ctx->set_default_verify_paths(ec);
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
    }
  }
  // We speak HTTP/1.1 only; saying so keeps ALPN-aware servers from assuming h2.
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kAlpn, sizeof kAlpn);
  return ctx;
}

}  // namespace gw::upstream
