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
// or "request body must be a JSON object" otherwise (the OpenAI routes' wording).
Result<boost::json::value> parse_request_object(std::string_view body);

// An integer. 1024.0 counts (some JSON encoders write integers that way); 1.5 does not.
Result<std::optional<int64_t>> opt_int(const boost::json::object& o, std::string_view key);
Result<std::optional<double>> opt_number(const boost::json::object& o, std::string_view key);

}  // namespace gw
