#include "gw/auth/key_db_health.h"

#include <boost/json.hpp>

#include "gw/common/log_sink.h"
#include "gw/storage/time_text.h"

#include <string>

namespace gw {

namespace {

// The shape of the ledger's lines (ledger_log, ledger/group_commit.cc), which auth cannot link.
// `detail` is a database error: storage/ never puts a password in one, and a key table's
// statements carry hashes, never secrets.
void keys_log(const Clock& clock, std::string_view level, std::string_view msg, std::string_view detail) {
  boost::json::object o;
  o["ts"] = storage::format_rfc3339_ms(unix_ms(clock.now()));
  o["level"] = level;
  o["msg"] = msg;
  o["detail"] = detail;
  log_sink::append(boost::json::serialize(o) + "\n");
  log_sink::flush();  // an operator is waiting for exactly this line
}

}  // namespace

void KeyDbHealth::index_stale(std::chrono::milliseconds stale_after) {
  if (!stale_.exchange(true)) {
    keys_log(clock_, "error", "keys_index_stale",
             "no reload of the keys database succeeded for " + std::to_string(stale_after.count()) +
                 " ms: keys created through the database are refused until one does (config keys work)");
  }
}

void KeyDbHealth::index_fresh() {
  if (stale_.exchange(false)) {
    keys_log(clock_, "info", "keys_index_fresh", "a reload succeeded: database keys are accepted again");
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
    keys_log(clock_, "info", "keys_database_recovered", "");
  }
}

void KeyDbHealth::went_down(std::string_view what, const Error& e) {
  if (!down_.exchange(true)) {
    keys_log(clock_, "error", "keys_database_unreachable",
             std::string(what) + " failed: " + e.message +
                 "; known keys keep working, unknown ones are refused until it answers");
  }
}

}  // namespace gw
