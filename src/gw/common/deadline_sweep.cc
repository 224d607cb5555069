#include "gw/common/deadline_sweep.h"

namespace gw {

DeadlineSweep::DeadlineSweep(net::any_io_executor ex, std::chrono::milliseconds tick)
    : timer_(std::move(ex)), tick_(tick) {}

DeadlineSweep::~DeadlineSweep() { armed_.clear(); }

void DeadlineSweep::arm(Expirable& e, Expirable::Clock::time_point deadline) {
  e.deadline_ = deadline;
  e.expired_ = false;
  if (!e.is_linked()) {
    armed_.push_back(e);
  }
  if (!ticking_) {
    schedule();
  }
}

void DeadlineSweep::disarm(Expirable& e) {
  e.deadline_ = Expirable::Clock::time_point::max();
  e.unlink();
}

void DeadlineSweep::expire_all() {
  while (!armed_.empty()) {
    Expirable& e = armed_.front();
    armed_.pop_front();
    e.deadline_ = Expirable::Clock::time_point::max();
    e.expired_ = true;
    e.expire();
  }
}

void DeadlineSweep::schedule() {
  ticking_ = true;
  timer_.expires_after(tick_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;  // the sweep is gone: touch nothing
    }
    ticking_ = false;
    const auto now = Expirable::Clock::now();
    for (auto it = armed_.begin(); it != armed_.end();) {
      Expirable& e = *it;
      if (e.deadline_ <= now) {
        it = armed_.erase(it);
        e.deadline_ = Expirable::Clock::time_point::max();
        e.expired_ = true;
        e.expire();
      } else {
        ++it;
      }
    }
    // Idle io_contexts see no tick (and unit tests' run() returns). An owner re-armed by its
    // expire() has already scheduled the next one.
    if (!armed_.empty() && !ticking_) {
      schedule();
    }
  });
}

}  // namespace gw
