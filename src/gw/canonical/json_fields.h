#pragma once
// Optional numeric fields of a client's JSON request, shared by the dialect parsers. Absent and
// null are "not set"; any other type is an InvalidRequest naming the field.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

#include "gw/common/result.h"

namespace gw {

// A client's request body as a JSON object: InvalidRequest "request body is not valid JSON: ..."
// or "request body must be a JSON object" otherwise (the OpenAI routes' wording). Numbers are
// checked as finite_numbers() does.
Result<boost::json::value> parse_request_object(std::string_view body);

// Makes the numbers of a parsed document safe to serialize again, since JSON has no NaN or
// infinity and Boost.JSON prints them as the invalid words NaN and Infinity. Boost.JSON 1.81 reads
// a zero with a huge exponent ("0e300370955", valid JSON for 0) as NaN: set back to 0. A number
// beyond a double's range ("1e400") reads as infinity: an InvalidRequest, since no upstream can
// take it.
Result<void> finite_numbers(boost::json::value& v);

// An integer. 1024.0 counts (some JSON encoders write integers that way); 1.5 does not.
Result<std::optional<int64_t>> opt_int(const boost::json::object& o, std::string_view key);
Result<std::optional<double>> opt_number(const boost::json::object& o, std::string_view key);

}  // namespace gw
