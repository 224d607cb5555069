#include "gw/common/ids.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace gw {

namespace {

constexpr char kDigits[] = "0123456789abcdef";

void hex_into(const unsigned char* p, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
}

std::string hex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  hex_into(p, n, out.data());
  return out;
}

void random_bytes(unsigned char* p, size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

// xoshiro256** (Blackman & Vigna), one per thread, seeded from the OS CSPRNG. Request and response
// ids only need to be unique and unguessable enough not to collide; asking OpenSSL's DRBG for them
// cost a lock, a getpid() and ~7k instructions per request. Secrets still come from RAND_bytes.
class IdRng {
 public:
  IdRng() {
    random_bytes(reinterpret_cast<unsigned char*>(s_), sizeof s_);
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) {
      s_[0] = 1;  // the one state xoshiro cannot leave
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  void fill(unsigned char* p, size_t n) {
    while (n > 0) {
      const uint64_t v = next();
      const size_t k = n < 8 ? n : 8;
      std::memcpy(p, &v, k);
      p += k;
      n -= k;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

IdRng& id_rng() {
  thread_local IdRng rng;
  return rng;
}

}  // namespace

std::string new_request_id() {
  unsigned char b[16];
  id_rng().fill(b, sizeof b);
  const uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  for (int i = 0; i < 6; ++i) {
    b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10
  std::string out(36, '-');
  hex_into(b, 4, out.data());
  hex_into(b + 4, 2, out.data() + 9);
  hex_into(b + 6, 2, out.data() + 14);
  hex_into(b + 8, 2, out.data() + 19);
  hex_into(b + 10, 6, out.data() + 24);
  return out;
}

std::string random_id(size_t bytes) {
  std::string out(bytes * 2, '0');
  unsigned char chunk[16];
  for (size_t done = 0; done < bytes; done += sizeof chunk) {
    const size_t k = bytes - done < sizeof chunk ? bytes - done : sizeof chunk;
    id_rng().fill(chunk, k);
    hex_into(chunk, k, out.data() + 2 * done);
  }
  return out;
}

std::string random_token(size_t bytes) {
  std::string buf(bytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(buf.data()), bytes);
  return hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

std::string sha256_hex(std::string_view data) {
  // OpenSSL 3 looks the algorithm up by name on every EVP_sha256() digest; fetch it once, and keep
  // one context per thread (keys are hashed on every request).
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* p = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(p); }
  };
  thread_local Ctx ctx;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md == nullptr || ctx.p == nullptr || EVP_DigestInit_ex2(ctx.p, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.p, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.p, out, &len) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(out, len);
}

}  // namespace gw
