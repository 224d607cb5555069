#include "gw/auth/key_db_health.h"

#include <string>

#include "gw/storage/db_log.h"

namespace gw {

void KeyDbHealth::index_stale(std::chrono::milliseconds stale_after) {
  if (!stale_.exchange(true)) {
    storage::db_log(clock_, "error", "keys_index_stale",
             "no reload of the keys database succeeded for " + std::to_string(stale_after.count()) +
                 " ms: keys created through the database are refused until one does (config keys work)");
  }
}

void KeyDbHealth::index_fresh() {
  if (stale_.exchange(false)) {
    storage::db_log(clock_, "info", "keys_index_fresh", "a reload succeeded: database keys are accepted again");
  }
}

int64_t KeyDbHealth::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now().time_since_epoch()).count();
}

bool KeyDbHealth::lookups_allowed() const { return now_ms() >= paused_until_ms_.load(); }

void KeyDbHealth::lookup_failed(const Error& e) {
  paused_until_ms_ = now_ms() + pause_ms_;
  went_down("lookup", e);
}

void KeyDbHealth::reload_failed(const Error& e) { went_down("reload", e); }

void KeyDbHealth::succeeded() {
  paused_until_ms_ = 0;
  if (down_.exchange(false)) {
    storage::db_log(clock_, "info", "keys_database_recovered", "");
  }
}

void KeyDbHealth::went_down(std::string_view what, const Error& e) {
  if (!down_.exchange(true)) {
    storage::db_log(clock_, "error", "keys_database_unreachable",
             std::string(what) + " failed: " + e.message +
                 "; known keys keep working, unknown ones are refused until it answers");
  }
}

}  // namespace gw
