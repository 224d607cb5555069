#include "gw/common/ids.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace gw {

namespace {
std::string hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

void random_bytes(unsigned char* p, size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}
}  // namespace

std::string new_request_id() {
  unsigned char b[16];
  random_bytes(b, sizeof b);
  const uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  for (int i = 0; i < 6; ++i) {
    b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10
  std::string h = hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string random_token(size_t bytes) {
  std::string buf(bytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(buf.data()), bytes);
  return hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

}  // namespace gw
