#pragma once
// A Google credential file of any type Application Default Credentials accept, turned into its
// grant: service_account (JWT bearer), authorized_user (refresh token) or external_account
// (workload identity federation).
#include <memory>
#include <string>
#include <string_view>

#include "gw/providers/vertex/grant.h"

namespace gw::vertex {

// `what` prefixes every error ("provider gcp: GOOGLE_APPLICATION_CREDENTIALS file /x.json");
// `origin` is what describe() says of where the file was found. Errors never quote a value.
Result<std::shared_ptr<const TokenGrant>> parse_credential_file(std::string_view json_text,
                                                                std::string_view what,
                                                                const std::string& origin);

// Reads and parses `path` (errors as above, with the provider set).
Result<std::shared_ptr<const TokenGrant>> load_credential_file(const std::string& path,
                                                               std::string_view provider,
                                                               const std::string& origin);

}  // namespace gw::vertex
