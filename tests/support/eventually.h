#pragma once
// Waiting for something a background thread does (a reload, say) without a timed assertion.
#include <chrono>
#include <thread>

namespace gw::testing {

// Returns once `done()` holds, checking every few milliseconds. No deadline of its own: a test
// that would wait forever is ended, as a failure, by ctest's timeout, where a deadline here would
// be a timing assertion that a slow or loaded machine breaks.
template <class F>
void eventually(F done) {
  while (!done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace gw::testing
