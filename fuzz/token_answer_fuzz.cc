// libFuzzer target: OAuth token endpoint answers (untrusted: Google's and Entra ID's token
// endpoints, and anything that answers on the instance metadata address), read by
// providers/oauth/token_answer.h. The first byte picks the HTTP status, the rest is the body.
//  - read_token_answer never crashes on any bytes;
//  - an error's message never quotes the credential that was sent (the corpus plants it in
//    `error` and `error_description`);
//  - a token read is non-empty and has a positive lifetime.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gw/providers/oauth/token_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static constexpr unsigned kStatuses[] = {200, 400, 401, 429, 503};
  const unsigned status = kStatuses[data[0] % 5];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const gw::oauth::TokenErrorContext ctx{"p", "a token", {"SECRETMARKER-0123456789"}};
  const gw::SystemTime now = gw::SystemTime{} + std::chrono::seconds(1'700'000'000);
  auto t = gw::oauth::read_token_answer(status, body, now, ctx);
  if (t) {
    if (t->token.empty() || t->lifetime.count() <= 0) {
      std::abort();
    }
  } else if (t.error().message.find("SECRETMARKER-0123456789") != std::string::npos) {
    std::abort();
  }
  return 0;
}
