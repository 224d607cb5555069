#pragma once
// Errors are values on the data plane (design.md): Result<T> = boost::system::result<T, Error>.
#include <boost/system/result.hpp>
#include <stdexcept>

#include "gw/common/error.h"

namespace gw {

template <class T>
using Result = boost::system::result<T, Error>;

// boost-1.81's result<T,E>::value() calls this unqualified when it holds an error; only reached
// by code that skipped has_value(), i.e. a bug: it surfaces as an exception caught at the edge.
[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error("unchecked gw::Result error: " + e.message);
}

}  // namespace gw
