#pragma once
// Base64 (RFC 4648): the standard alphabet with padding (Bedrock's InvokeModel chunks and
// CountTokens bodies) and the URL-safe one without (JSON Web Tokens).
#include <optional>
#include <string>
#include <string_view>

namespace gw {

enum class Base64 { Standard, Url };

// Standard: `+/` padded with `=`; Url: `-_` unpadded.
std::string base64_encode(std::string_view bytes, Base64 alphabet = Base64::Standard);
// Padding optional; nullopt for a character outside the alphabet or a length no byte ends at.
std::optional<std::string> base64_decode(std::string_view text, Base64 alphabet = Base64::Standard);

}  // namespace gw
