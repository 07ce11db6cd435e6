#pragma once
// TimerClock: a Clock that can also run a callback after a delay. Everything in client/ that
// waits (work queue AddAfter and backoff, leader election retries) schedules through it, so
// tests drive time with tests/fakes/fake_clock.h (timers fire when the fake time advances)
// instead of sleeping. Implementations are thread-safe.

#include <chrono>
#include <functional>
#include <memory>

#include "common/clock.h"

namespace tinyk8s::client {

class TimerClock : public Clock {
 public:
  // Handle of a scheduled callback. Destroying the handle does not cancel it.
  class Timer {
   public:
    virtual ~Timer() = default;
    // Cancel prevents the callback from starting if it has not started yet; returns whether
    // it did. Does not wait for a callback already running (callbacks must therefore not
    // touch an object that may be destroyed meanwhile; capture shared state).
    virtual bool Cancel() = 0;
  };

  // AfterFunc runs `fn` once, on a clock-owned thread (RealTimerClock) or on the thread that
  // advances the time (FakeClock), `delay` after now (measured on Monotonic()). `fn` must be
  // quick and must not call Cancel on its own timer. `fn` never runs inside AfterFunc itself,
  // so callers may hold locks that `fn` takes.
  virtual std::shared_ptr<Timer> AfterFunc(std::chrono::nanoseconds delay,
                                           std::function<void()> fn) = 0;
};

// RealTimerClock: system clocks; timers run on one internal thread started on first use and
// joined by the destructor (pending timers are dropped). REQUIRES: no timer callback is running
// the destructor.
class RealTimerClock final : public TimerClock {
 public:
  RealTimerClock();
  ~RealTimerClock() override;
  RealTimerClock(const RealTimerClock&) = delete;
  RealTimerClock& operator=(const RealTimerClock&) = delete;

  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  std::shared_ptr<Timer> AfterFunc(std::chrono::nanoseconds delay,
                                   std::function<void()> fn) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyk8s::client
