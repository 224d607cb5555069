#pragma once
// ConverseStream events (one event-stream frame each, named by :event-type) -> canonical events.
// Internal to gw_provider_bedrock; the frame layer is in stream_decoder.cc.
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "gw/canonical/stream_event.h"

namespace gw::bedrock {

class ConverseStreamTranslator {
 public:
  void on_event(std::string_view type, const boost::json::object& payload, std::vector<StreamEvent>& out);
  // The stream may end now: messageStop arrived. MessageStop itself waits for `metadata` (usage
  // comes after messageStop), or for end_of_body() when Bedrock sends none.
  bool stopped() const { return stopped_; }
  bool finished() const { return finished_; }
  void end_of_body(std::vector<StreamEvent>& out);

 private:
  void ensure_started(std::vector<StreamEvent>& out);
  // Opens block `index` as `type` unless it is open already.
  void open(size_t index, BlockType type, std::vector<StreamEvent>& out);

  bool started_ = false;
  bool stopped_ = false;
  bool finished_ = false;
  std::map<size_t, BlockType> open_;
};

}  // namespace gw::bedrock
