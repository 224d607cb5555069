#pragma once
// What the key store last saw of its database: whether at-once lookups are paused (a circuit
// breaker), and the log lines an outage gets, one when it begins and one when it ends, however
// many reloads and lookups fail in between. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "gw/common/clock.h"
#include "gw/common/error.h"

namespace gw {

class KeyDbHealth {
 public:
  KeyDbHealth(const Clock& clock, std::chrono::milliseconds lookup_pause)
      : clock_(clock), pause_ms_(lookup_pause.count()) {}

  // false for lookup_pause after a failed lookup, unless a reload or lookup succeeded since.
  bool lookups_allowed() const;
  // An at-once lookup failed: pauses lookups (waiting on a dead database again for each unknown
  // secret would hold a worker every time).
  void lookup_failed(const Error& e);
  // A reload failed: the database is as good as down, but lookups are not paused for it (the
  // lookup's own connection may be fine, and it is bounded).
  void reload_failed(const Error& e);
  // A lookup or reload reached the database: lookups resume.
  void succeeded();
  // Database-created keys are refused: no reload succeeded for `stale_after` (logged once,
  // keys_index_stale, until index_fresh() ends it with keys_index_fresh).
  void index_stale(std::chrono::milliseconds stale_after);
  void index_fresh();

 private:
  int64_t now_ms() const;
  void went_down(std::string_view what, const Error& e);

  const Clock& clock_;
  const int64_t pause_ms_;
  std::atomic<int64_t> paused_until_ms_{0};
  std::atomic<bool> down_{false};  // an outage was logged and has not ended yet
  std::atomic<bool> stale_{false};  // keys_index_stale was logged and has not ended yet
};

}  // namespace gw
