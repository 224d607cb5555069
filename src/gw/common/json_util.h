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

// `object` (the text of a valid JSON object) with its top-level `key` set to the string `value`,
// every other byte as it was: an answer passed through this way keeps its numbers exactly as the
// upstream wrote them, which a parse and re-serialization does not (Boost.JSON 1.81 reads doubles
// to within an ulp, not exactly). The key is added first when absent; a key written with escapes
// is not recognised. Returns the text unchanged if it is not an object.
std::string with_top_level_string(std::string_view object, std::string_view key, std::string_view value);

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
