#pragma once
// A small JSON text writer for admin replies. Boost.JSON holds numbers as double or integer, but
// money must reach the wire as its exact decimal text ("cost_usd": 0.003703701), so replies that
// carry money are written with this instead.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

class JsonText {
 public:
  JsonText& begin_object() { return open('{'); }
  JsonText& end_object() { return close('}'); }
  JsonText& begin_array() { return open('['); }
  JsonText& end_array() { return close(']'); }
  JsonText& key(std::string_view k);
  JsonText& string(std::string_view v);
  JsonText& number(int64_t v);
  JsonText& raw_number(std::string_view decimal_text);  // already valid JSON number text
  JsonText& boolean(bool v);
  JsonText& null();

  const std::string& str() const { return out_; }

 private:
  JsonText& open(char c);
  JsonText& close(char c);
  void value_prefix();

  std::string out_;
  std::vector<bool> has_item_;  // per open container: whether a comma is due
  bool after_key_ = false;
};

}  // namespace gw
