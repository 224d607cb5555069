// libFuzzer target: the answers of the AWS credential sources (untrusted: any host that answers
// on the metadata address, or a misbehaving STS), parsed by provider_bedrock/aws_credentials.h.
//  - parse_sts_credentials, sts_error_code and parse_credentials_json never crash on any bytes;
//  - a parse error's message never quotes the input (it may carry a secret), checked with a
//    marker the corpus plants; only IMDS's own status word ("Code") is named, sanitized;
//  - a credential parsed from STS XML has every part non-empty and an Expiration;
//  - the AWS shared config files (provider_bedrock/shared_config.h, a file on disk that anyone
//    with an editor wrote): parse_ini never crashes, its errors never quote the input, every key
//    it returns is lower-case and non-empty, and a profile resolved from the input never names
//    the marker in an error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gw/providers/bedrock/aws_credentials.h"
#include "gw/providers/bedrock/shared_config.h"

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

  auto ini = gw::bedrock::parse_ini(in, "fuzz");
  if (!ini) {
    if (ini.error().message.find(kMarker) != std::string::npos) {
      std::abort();
    }
  } else {
    for (const auto& [section, keys] : *ini) {
      for (const auto& [k, v] : keys) {
        if (k.empty() || std::any_of(k.begin(), k.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
          std::abort();
        }
      }
    }
  }
  // The same bytes as both files; every profile they name resolves or fails without quoting a
  // key, secret or token (what is not one of those, names and role ARNs, may be quoted).
  auto files = gw::bedrock::shared_files_from(in, in);
  if (files) {
    std::vector<std::string> secrets;
    std::string names;
    for (const auto* sections : {&files->credentials, &files->profiles}) {
      for (const auto& [name, keys] : *sections) {
        names += name + "\n";
        for (const auto& [k, v] : keys) {
          if (k != "aws_access_key_id" && k != "aws_secret_access_key" && k != "aws_session_token") {
            names += v + "\n";  // role_arn, source_profile...: may be named
          } else if (v.size() >= 12) {
            secrets.push_back(v);
          }
        }
      }
    }
    const gw::bedrock::EnvLookup env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    for (const auto* sections : {&files->credentials, &files->profiles}) {
      for (const auto& [name, keys] : *sections) {
        auto spec = gw::bedrock::profile_source(*files, name, env, "us-east-1", "fuzz");
        const std::string said = spec ? spec->describe() : spec.error().message;
        for (const auto& secret : secrets) {
          if (said.find(secret) != std::string::npos && names.find(secret) == std::string::npos) {
            std::abort();
          }
        }
      }
    }
  }
  return 0;
}
