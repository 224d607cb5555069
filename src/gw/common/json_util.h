#pragma once
// JSON on the hot path without a document per message.
//
// append_json_string writes a JSON string literal byte for byte as boost::json::serialize would
// (same escapes, UTF-8 passed through), so hand-written renderers and DOM-built ones agree.
//
// TransientJson parses a document that is read and dropped within one call (an upstream body, a
// stream chunk) into this thread's scratch arena instead of one heap allocation per node. Values
// parsed through it share its storage: copy out what you keep (strings, numbers, or
// boost::json::value(v, {}) for a heap copy) and let the value die before the TransientJson does
// (declare it after). A nested TransientJson on the same thread falls back to the heap.
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace gw {

void append_json_string(std::string& out, std::string_view s);

class TransientJson {
 public:
  TransientJson();
  ~TransientJson();
  TransientJson(const TransientJson&) = delete;
  TransientJson& operator=(const TransientJson&) = delete;

  boost::json::value parse(std::string_view text, boost::json::error_code& ec);
  boost::json::storage_ptr storage() const { return sp_; }

 private:
  struct Arena;
  Arena* arena_ = nullptr;  // this thread's, while held; null when nested (heap)
  boost::json::storage_ptr sp_;
};

}  // namespace gw
