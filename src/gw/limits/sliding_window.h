#pragma once
// A per-key (or per-deployment) log of admissions over the last 60 s, for rpm and tpm limits.
//
// Exact sliding window rather than a token bucket: an entry counts while it is younger than 60 s,
// so "N requests per minute" means exactly that over any 60 s span, and the wait until capacity
// frees is the moment the blocking entries age out, which a ManualClock makes deterministic.
// Memory is one entry per admission in the window. Not thread-safe: the limiter holds its mutex.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "gw/common/clock.h"

namespace gw {

inline constexpr std::chrono::seconds kRateWindow{60};

class SlidingWindow {
 public:
  struct Decision {
    std::optional<uint64_t> id;  // the entry that holds the reservation, when admitted
    int64_t retry_after_s = 0;   // when refused: whole seconds until it would be admitted (>= 1)
  };

  // Admits one request of `tokens` if the window allows it:
  //   rpm: requests in window + 1 <= rpm;
  //   tpm: tokens in window + tokens <= tpm, or the window holds no tokens at all (so a request
  //        whose estimate alone exceeds tpm is admitted when nothing else is, not refused forever).
  Decision try_add(SteadyTime now, std::optional<int64_t> rpm, std::optional<int64_t> tpm, int64_t tokens);
  // Settlement: changes an entry's tokens by delta (actual - estimate). Ignored once it aged out.
  void adjust(uint64_t id, int64_t delta);
  // Refund: the entry no longer counts at all.
  void remove(uint64_t id);

  int64_t requests(SteadyTime now);
  int64_t tokens(SteadyTime now);

 private:
  struct Entry {
    SteadyTime at;
    uint64_t id;
    int64_t tokens;
  };
  void prune(SteadyTime now);
  Entry* find(uint64_t id);

  std::deque<Entry> entries_;  // in admission order, so ids ascend
  int64_t tokens_ = 0;         // sum over entries_
  uint64_t next_id_ = 1;
};

}  // namespace gw
