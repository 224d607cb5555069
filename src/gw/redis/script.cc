#include "gw/redis/script.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace gw::redis {

namespace {

std::string sha1_hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), md, &len, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 unavailable");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace

Script::Script(std::string src, std::string nm) : source(std::move(src)), name(std::move(nm)), sha1(sha1_hex(source)) {}

}  // namespace gw::redis
