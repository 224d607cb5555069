// libFuzzer target: the answers of the AWS credential sources (untrusted: any host that answers
// on the metadata address, or a misbehaving STS), parsed by provider_bedrock/aws_credentials.h.
//  - parse_sts_credentials, sts_error_code and parse_credentials_json never crash on any bytes;
//  - a parse error's message never quotes the input (it may carry a secret), checked with a
//    marker the corpus plants; only IMDS's own status word ("Code") is named, sanitized;
//  - a credential parsed from STS XML has every part non-empty and an Expiration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gw/providers/bedrock/aws_credentials.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kMarker = "SECRETMARKER";
  auto sts = gw::bedrock::parse_sts_credentials(in);
  if (sts) {
    if (sts->creds.access_key_id.empty() || sts->creds.secret_access_key.empty() ||
        sts->creds.session_token.empty() || !sts->expiration) {
      std::abort();
    }
  } else if (sts.error().message.find(kMarker) != std::string_view::npos) {
    std::abort();
  }
  const std::string code = gw::bedrock::sts_error_code(in);
  if (code.size() > 64) {
    std::abort();
  }
  auto j = gw::bedrock::parse_credentials_json(in);
  if (!j && j.error().message.find(kMarker) != std::string_view::npos &&
      j.error().message.find("has Code ") == std::string::npos) {
    std::abort();
  }
  (void)gw::bedrock::parse_aws_time(in);
  return 0;
}
