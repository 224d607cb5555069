// RS256 JWTs with OpenSSL EVP (protocols.md 5.5). Nothing here logs or returns key material:
// OpenSSL's error queue is cleared after every failure, since its strings can quote PEM lines.
#include "gw/providers/vertex/jwt.h"

#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace gw::vertex {

namespace {

// A passphrase callback that supplies none: without it OpenSSL would prompt on the terminal
// for an encrypted key, hanging a server that has no terminal.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return -1;
}

Error key_error(std::string message) {
  ERR_clear_error();
  return make_error(Code::Internal, std::move(message));
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<RsaKey> RsaKey::from_pem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return key_error("private_key is not a PEM private key");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                &BIO_free);
  if (!bio) {
    return key_error("out of memory reading private_key");
  }
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr);
  if (raw == nullptr) {
    return key_error("private_key could not be parsed (malformed or passphrase-protected PEM)");
  }
  std::shared_ptr<EVP_PKEY> pkey(raw, &EVP_PKEY_free);
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    return key_error("private_key is not an RSA key (RS256 needs one)");
  }
  return RsaKey(std::move(pkey));
}

Result<std::string> RsaKey::sign_sha256(std::string_view data) const {
  if (!pkey_) {
    return key_error("no private key loaded");
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1) {
    return key_error("RS256 signing could not start");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes(data), data.size()) != 1) {
    return key_error("RS256 signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(data),
                     data.size()) != 1) {
    return key_error("RS256 signing failed");
  }
  sig.resize(len);
  return sig;
}

bool RsaKey::verify_sha256(std::string_view data, std::string_view signature) const {
  if (!pkey_) {
    return false;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey_.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  const bool ok = EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data),
                                   data.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string jwt_header_json(std::string_view kid) {
  boost::json::object h;
  h["alg"] = "RS256";
  h["typ"] = "JWT";
  if (!kid.empty()) {
    h["kid"] = kid;
  }
  return boost::json::serialize(h);
}

std::string jwt_claims_json(const JwtClaims& c) {
  boost::json::object o;
  o["iss"] = c.iss;
  o["scope"] = c.scope;
  o["aud"] = c.aud;
  o["iat"] = c.iat;
  o["exp"] = c.exp;
  return boost::json::serialize(o);
}

Result<std::string> sign_jwt(std::string_view header_json,
                             std::string_view claims_json,
                             const RsaKey& key) {
  std::string jwt = base64url_encode(header_json);
  jwt.push_back('.');
  jwt += base64url_encode(claims_json);
  auto sig = key.sign_sha256(jwt);
  if (!sig) {
    return sig.error();
  }
  jwt.push_back('.');
  jwt += base64url_encode(*sig);
  return jwt;
}

}  // namespace gw::vertex
