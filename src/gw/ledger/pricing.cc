#include "gw/ledger/pricing.h"

#include <algorithm>
#include <limits>

namespace gw {

namespace {

using Pico = __int128;  // 64-bit tokens × 64-bit price cannot overflow 127 bits

constexpr Pico kPicoPerNano = 1000;

Pico part(uint64_t tokens, int64_t price_pico_per_token) {
  // A negative price is rejected by the config loader; treat one as free rather than a credit.
  return static_cast<Pico>(tokens) * static_cast<Pico>(std::max<int64_t>(price_pico_per_token, 0));
}

}  // namespace

int64_t cost_nano_usd(const Usage& usage, const config::Price& price) {
  const uint64_t write_1h = std::min(usage.cache_write_1h, usage.cache_write);
  const int64_t price_1h = price.cache_write_1h.value_or(2 * std::max<int64_t>(price.input, 0));
  const Pico pico = part(usage.input, price.input) + part(usage.output, price.output) +
                    part(usage.cache_read, price.cache_read) +
                    part(usage.cache_write - write_1h, price.cache_write) + part(write_1h, price_1h);
  const Pico nano = (pico + kPicoPerNano / 2) / kPicoPerNano;
  if (nano > static_cast<Pico>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(nano);
}

std::string format_usd(int64_t nano_usd) {
  const bool negative = nano_usd < 0;
  // Through unsigned so that INT64_MIN has a magnitude.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(nano_usd) : static_cast<uint64_t>(nano_usd);
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / 1'000'000'000);
  std::string frac = std::to_string(magnitude % 1'000'000'000);
  frac.insert(0, 9 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') {
    frac.pop_back();
  }
  if (!frac.empty()) {
    out += "." + frac;
  }
  return out;
}

}  // namespace gw
