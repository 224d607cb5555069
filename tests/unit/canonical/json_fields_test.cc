#include "gw/canonical/json_fields.h"

#include <gtest/gtest.h>

namespace gw {
namespace {

boost::json::object obj(std::string_view text) { return boost::json::parse(text).as_object(); }

TEST(JsonFields, IntegersAbsentNullIntegralDoublesAndErrors) {
  const auto o = obj(R"({"a":7,"b":null,"c":1024.0,"d":1.5,"e":"7","f":18446744073709551615,"g":-3})");
  EXPECT_EQ(*opt_int(o, "a"), 7);
  EXPECT_EQ(*opt_int(o, "missing"), std::nullopt);
  EXPECT_EQ(*opt_int(o, "b"), std::nullopt);
  EXPECT_EQ(*opt_int(o, "c"), 1024);
  EXPECT_EQ(*opt_int(o, "g"), -3);
  for (const char* bad : {"d", "e", "f"}) {
    auto r = opt_int(o, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Code::InvalidRequest);
    EXPECT_EQ(r.error().param, bad);
  }
}

TEST(JsonFields, Numbers) {
  const auto o = obj(R"({"t":0.7,"i":1,"s":"x","n":null})");
  EXPECT_DOUBLE_EQ(**opt_number(o, "t"), 0.7);
  EXPECT_DOUBLE_EQ(**opt_number(o, "i"), 1.0);
  EXPECT_EQ(*opt_number(o, "n"), std::nullopt);
  EXPECT_FALSE(opt_number(o, "s"));
}

}  // namespace
}  // namespace gw
