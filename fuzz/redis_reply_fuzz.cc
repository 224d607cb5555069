// libFuzzer target: bytes a Redis connection reads, and redis:// URLs from the config.
//  - ReplyReader yields the same replies, or fails at the same point, however the bytes are split
//    (the first input byte picks the split size): a TCP read may end anywhere, even inside a
//    "\r\n" or a bulk string's length;
//  - parse_redis_url on the same bytes never crashes, and for a URL it accepts, redacted() (what
//    logs and error messages print) is the same whatever its user and password are.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gw/redis/redis_url.h"
#include "gw/redis/resp.h"

namespace {

struct Outcome {
  std::vector<gw::redis::Reply> replies;
  bool failed = false;
};

Outcome read_all(std::string_view bytes, size_t split) {
  gw::redis::ReplyReader reader;
  Outcome out;
  for (size_t i = 0; i < bytes.size() && !out.failed; i += split) {
    reader.feed(bytes.substr(i, split));
    while (true) {
      auto r = reader.next();
      if (!r) {
        out.failed = true;
        break;
      }
      if (!*r) {
        break;
      }
      out.replies.push_back(std::move(**r));
    }
  }
  return out;
}

bool same(const gw::redis::Reply& a, const gw::redis::Reply& b) {
  if (a.type != b.type || a.integer != b.integer || a.str != b.str || a.elements.size() != b.elements.size()) {
    return false;
  }
  for (size_t i = 0; i < a.elements.size(); ++i) {
    if (!same(a.elements[i], b.elements[i])) {
      return false;
    }
  }
  return true;
}

bool same(const Outcome& a, const Outcome& b) {
  if (a.failed != b.failed || a.replies.size() != b.replies.size()) {
    return false;
  }
  for (size_t i = 0; i < a.replies.size(); ++i) {
    if (!same(a.replies[i], b.replies[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 65536) {
    return 0;
  }
  const size_t split = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  // A failed stream is abandoned by the client, so only the replies before the failure and the
  // fact of failing must agree; replies after it are never read.
  if (!same(read_all(bytes, bytes.size() + 1), read_all(bytes, split))) {
    std::abort();
  }

  if (auto url = gw::redis::parse_redis_url(bytes)) {
    // Redaction must not depend on the credentials at all: the same URL with another user and
    // password redacts to the same text. (Searching the text for the password instead gives false
    // alarms: a password such as "://***" occurs in every redacted URL.)
    if (!url->password.empty() || !url->username.empty()) {
      gw::redis::RedisUrl other = *url;
      other.username = url->username.empty() ? "" : url->username + "x";
      other.password = url->password + "x";
      if (other.redacted() != url->redacted()) {
        std::abort();
      }
    }
  }
  return 0;
}
