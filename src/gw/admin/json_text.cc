#include "gw/admin/json_text.h"

#include <boost/json.hpp>

namespace gw {

void JsonText::value_prefix() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_item_.empty()) {
    if (has_item_.back()) {
      out_ += ',';
    }
    has_item_.back() = true;
  }
}

JsonText& JsonText::open(char c) {
  value_prefix();
  out_ += c;
  has_item_.push_back(false);
  return *this;
}

JsonText& JsonText::close(char c) {
  out_ += c;
  has_item_.pop_back();
  return *this;
}

JsonText& JsonText::key(std::string_view k) {
  value_prefix();
  out_ += boost::json::serialize(boost::json::string(k));
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonText& JsonText::string(std::string_view v) {
  value_prefix();
  out_ += boost::json::serialize(boost::json::string(v));
  return *this;
}

JsonText& JsonText::number(int64_t v) {
  value_prefix();
  out_ += std::to_string(v);
  return *this;
}

JsonText& JsonText::raw_number(std::string_view decimal_text) {
  value_prefix();
  out_ += decimal_text;
  return *this;
}

JsonText& JsonText::boolean(bool v) {
  value_prefix();
  out_ += v ? "true" : "false";
  return *this;
}

JsonText& JsonText::null() {
  value_prefix();
  out_ += "null";
  return *this;
}

}  // namespace gw
