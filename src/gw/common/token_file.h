#pragma once
// Credentials mounted as files and rotated under the gateway (a Kubernetes projected service
// account token for AWS web identity and Azure workload identity, an EKS Pod Identity
// authorization token): read afresh for every use.
#include <string>
#include <string_view>

#include "gw/common/result.h"

namespace gw {

// The file's contents without surrounding whitespace, at most 64 KiB. Errors (UpstreamError,
// retryable: a file being rotated may be readable on the next try) name the file as "the <what>
// file <path>", never its contents.
Result<std::string> read_token_file(const std::string& path, std::string_view what);

}  // namespace gw
