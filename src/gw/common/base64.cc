#include "gw/common/base64.h"

#include <array>
#include <cstdint>

namespace gw {

namespace {

constexpr std::string_view kStandard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using DecodeTable = std::array<int8_t, 256>;

constexpr DecodeTable decode_table(std::string_view alphabet) {
  DecodeTable t{};
  t.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}

constexpr DecodeTable kStandardTable = decode_table(kStandard);
constexpr DecodeTable kUrlTable = decode_table(kUrl);

}  // namespace

std::string base64_encode(std::string_view in, Base64 alphabet) {
  const std::string_view a = alphabet == Base64::Url ? kUrl : kStandard;
  const bool pad = alphabet == Base64::Standard;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(in[i])); };
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(a[(n >> 18) & 63]);
    out.push_back(a[(n >> 12) & 63]);
    out.push_back(a[(n >> 6) & 63]);
    out.push_back(a[n & 63]);
  }
  if (const size_t rest = in.size() - i; rest > 0) {
    const uint32_t n = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
    out.push_back(a[(n >> 18) & 63]);
    out.push_back(a[(n >> 12) & 63]);
    if (rest == 2) {
      out.push_back(a[(n >> 6) & 63]);
    }
    if (pad) {
      out.append(3 - rest, '=');
    }
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in, Base64 alphabet) {
  const DecodeTable& table = alphabet == Base64::Url ? kUrlTable : kStandardTable;
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) {
    return std::nullopt;  // no whole byte ends there
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int8_t v = table[static_cast<uint8_t>(c)];
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace gw
