#pragma once
// Deadlines for many sockets, enforced by one periodic tick instead of a timer per operation.
//
// beast::tcp_stream arms a timer for every read and write and cancels it when the operation ends;
// each cancel sends one more handler through the scheduler, which on a proxied request is several
// handlers for nothing (the deadline almost never fires). Here an operation's deadline is a time
// stored on its owner (arm/disarm: a clock read and an intrusive-list link, no allocation), and
// one timer per io_context, running only while some deadline is armed, calls expire() on owners
// whose time has passed. A deadline is thereby enforced up to one tick late.
//
// Single-threaded: an owner and its sweep belong to one io_context.
#include <boost/beast/core/error.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>

#include "gw/common/asio.h"

namespace gw {

class DeadlineSweep;

// Base of whatever owns a socket with deadlines (a client session, an upstream connection).
class Expirable : public boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Expirable() = default;  // the hook unlinks itself

  // Called once when the armed deadline passes; cancels the owner's pending I/O. It must not
  // destroy the owner (the sweep is iterating); the cancelled operation's completion does that.
  // It may arm a new deadline (a periodic duty, such as a stream's keep-alive).
  virtual void expire() = 0;

  Clock::time_point deadline() const { return deadline_; }
  // Whether the deadline last armed has passed (so an aborted operation timed out); arming again
  // clears it.
  bool expired() const { return expired_; }
  // An operation's error as its caller should see it: beast::error::timeout when the deadline's
  // cancel is what ended it.
  boost::system::error_code timeout_or(const boost::system::error_code& ec) const {
    return ec && expired_ ? boost::system::error_code(boost::beast::error::timeout) : ec;
  }

 private:
  friend class DeadlineSweep;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool expired_ = false;
};

class DeadlineSweep {
 public:
  static constexpr std::chrono::milliseconds kDefaultTick{100};

  explicit DeadlineSweep(net::any_io_executor ex, std::chrono::milliseconds tick = kDefaultTick);
  ~DeadlineSweep();
  DeadlineSweep(const DeadlineSweep&) = delete;
  DeadlineSweep& operator=(const DeadlineSweep&) = delete;

  void arm(Expirable& e, Expirable::Clock::time_point deadline);
  void arm_after(Expirable& e, Expirable::Clock::duration d) { arm(e, Expirable::Clock::now() + d); }
  void disarm(Expirable& e);
  // Expires every armed owner now, whatever its deadline (shutdown: ends all their pending I/O).
  void expire_all();

 private:
  void schedule();

  using List = boost::intrusive::list<Expirable, boost::intrusive::constant_time_size<false>>;
  List armed_;
  net::steady_timer timer_;
  std::chrono::milliseconds tick_;
  bool ticking_ = false;
};

}  // namespace gw
