#pragma once
// FakeClock: a settable TimerClock for tests (upstream k8s.io/utils/clock/testing). Time only
// moves when the test calls Advance/SetTime; timers whose deadline is reached then fire on the
// calling thread, in deadline order, before Advance returns (a timer with a non-positive delay
// fires on the next Advance, Advance(0) included). Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "client/timer_clock.h"

namespace tinyk8s::testing {

class FakeClock final : public client::TimerClock {
 public:
  // Starts at 2024-01-01T00:00:00Z unless told otherwise.
  explicit FakeClock(TimePoint start = DefaultStart());

  TimePoint Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  std::shared_ptr<Timer> AfterFunc(std::chrono::nanoseconds delay,
                                   std::function<void()> fn) override;

  // Advance moves both clocks forward and fires due timers (including timers those callbacks
  // schedule, if due).
  void Advance(std::chrono::nanoseconds d);
  // SetTime sets the wall clock; moving forward also advances the monotonic clock and fires
  // timers, moving backward only changes the wall clock (as a wall clock step would).
  void SetTime(TimePoint t);

  // Number of pending timers (lets a test wait until a component is sleeping before it
  // advances time; upstream HasWaiters).
  size_t NumTimers() const;
  bool HasWaiters() const { return NumTimers() > 0; }

  static TimePoint DefaultStart();

 private:
  struct TimerImpl;
  void FireDue();

  mutable std::mutex mu_;
  TimePoint wall_;
  std::chrono::steady_clock::time_point mono_;
  uint64_t next_id_ = 0;
  // (deadline, id) -> timer
  std::map<std::pair<std::chrono::steady_clock::time_point, uint64_t>, std::shared_ptr<TimerImpl>>
      timers_;
};

}  // namespace tinyk8s::testing
