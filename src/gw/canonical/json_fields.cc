#include "gw/canonical/json_fields.h"

#include <cmath>

#include "gw/common/error.h"

namespace gw {

Result<boost::json::value> parse_request_object(std::string_view body) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) {
    return make_error(Code::InvalidRequest, "request body is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return make_error(Code::InvalidRequest, "request body must be a JSON object");
  }
  if (auto r = finite_numbers(v); !r) {
    return r.error();
  }
  return v;
}

Result<void> finite_numbers(boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: {
      double& d = v.get_double();
      if (std::isnan(d)) {
        d = 0.0;
      } else if (std::isinf(d)) {
        return make_error(Code::InvalidRequest,
                          "a number in the request is beyond the range of a double (about 1.8e308)");
      }
      return {};
    }
    case boost::json::kind::array:
      for (boost::json::value& e : v.get_array()) {
        if (auto r = finite_numbers(e); !r) {  // depth bounded by the parser (32)
          return r;
        }
      }
      return {};
    case boost::json::kind::object:
      for (auto& kv : v.get_object()) {
        if (auto r = finite_numbers(kv.value()); !r) {
          return r;
        }
      }
      return {};
    default:
      return {};
  }
}

Result<std::optional<int64_t>> opt_int(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::optional<int64_t>{};
  }
  if (v->is_int64()) {
    return std::optional<int64_t>{v->get_int64()};
  }
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>{static_cast<int64_t>(v->get_uint64())};
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d >= -9.0e18 && d <= 9.0e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
      return std::optional<int64_t>{static_cast<int64_t>(d)};
    }
  }
  return invalid_field(key, "must be an integer");
}

Result<std::optional<double>> opt_number(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::optional<double>{};
  }
  if (!v->is_number()) {
    return invalid_field(key, "must be a number");
  }
  boost::json::error_code ec;
  const double d = v->to_number<double>(ec);
  if (ec) {
    return invalid_field(key, "must be a number");
  }
  return std::optional<double>{d};
}

}  // namespace gw
