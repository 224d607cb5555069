#pragma once
// Token usage in Anthropic's convention: `input` excludes cache reads and cache writes, so
// total prompt tokens = input + cache_read + cache_write. Codecs convert at the edges (protocols 3.5).
#include <cstdint>

namespace gw {

struct Usage {
  uint64_t input = 0;
  uint64_t output = 0;
  uint64_t cache_read = 0;
  uint64_t cache_write = 0;
  uint64_t reasoning = 0;  // part of output, reported separately by some upstreams
  // Part of cache_write: Anthropic-family writes to the one-hour cache, which cost more than the
  // default five-minute ones (usage.cache_creation.ephemeral_1h_input_tokens).
  uint64_t cache_write_1h = 0;

  uint64_t prompt_total() const { return input + cache_read + cache_write; }
  uint64_t total() const { return prompt_total() + output; }
  bool empty() const { return total() == 0; }
  bool operator==(const Usage&) const = default;
};

}  // namespace gw
