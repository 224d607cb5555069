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

TEST(JsonFields, RequestNumbersAreFiniteOrRefused) {
  auto v = parse_request_object(R"({"a":0e300370955,"b":[1,0E300370955,{"c":2.5}]})");
  ASSERT_TRUE(v) << v.error().message;
  const std::string again = boost::json::serialize(*v);
  boost::json::error_code ec;
  boost::json::parse(again, ec);
  EXPECT_FALSE(ec) << again;  // NaN would have printed as the invalid word NaN
  EXPECT_EQ(v->at("a"), boost::json::value(0.0));
  EXPECT_EQ(v->at("b").at(1), boost::json::value(0.0));
  EXPECT_EQ(v->at("b").at(2).at("c"), boost::json::value(2.5));
  for (const char* huge : {R"({"a":1e400})", R"({"a":[{"b":-1e999}]})"}) {
    auto r = parse_request_object(huge);
    ASSERT_FALSE(r) << huge;
    EXPECT_EQ(r.error().code, Code::InvalidRequest);
    EXPECT_NE(r.error().message.find("beyond the range of a double"), std::string::npos);
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
