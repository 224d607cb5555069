#pragma once
// One attempt at one deployment: capacity, encode, sign, send; then either relay the answer to the
// client (done) or report why the next deployment should be tried.
#include <optional>

#include "gw/common/asio.h"
#include "gw/common/error.h"
#include "gw/server/call.h"

namespace gw {

struct AttemptOutcome {
  bool done = false;           // the client got its answer (or went away): stop trying
  std::optional<Error> error;  // set when !done
};

net::awaitable<AttemptOutcome> run_attempt(Call& call);

}  // namespace gw
