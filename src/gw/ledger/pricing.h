#pragma once
// Cost of a request from the price table, exactly: prices are integer micro-USD per million
// tokens (= pico-USD per token), so tokens × price is an exact pico-USD amount. The four parts are
// summed in pico-USD and rounded once (half up) to nano-USD; no float ever touches money.
#include <cstdint>
#include <string>

#include "gw/canonical/usage.h"
#include "gw/config/schema.h"

namespace gw {

// Saturates at INT64_MAX nano-USD (about 9.2 billion USD) rather than overflowing.
int64_t cost_nano_usd(const Usage& usage, const config::Price& price);

// Nano-USD as exact decimal USD text: 3703701 -> "0.003703701", 50000000 -> "0.05", 0 -> "0".
std::string format_usd(int64_t nano_usd);

}  // namespace gw
