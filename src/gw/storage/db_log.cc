#include "gw/storage/db_log.h"

#include <boost/json.hpp>

#include "gw/common/log_sink.h"
#include "gw/storage/time_text.h"

namespace gw::storage {

void db_log(const Clock& clock, std::string_view level, std::string_view msg, std::string_view detail) {
  boost::json::object o;
  o["ts"] = format_rfc3339_ms(unix_ms(clock.now()));
  o["level"] = level;
  o["msg"] = msg;
  o["detail"] = detail;
  log_sink::append(boost::json::serialize(o) + "\n");
  log_sink::flush();
}

}  // namespace gw::storage
