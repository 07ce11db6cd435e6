#include "tests/fakes/fake_clock.h"

#include <vector>

namespace tinyk8s::testing {

struct FakeClock::TimerImpl final : public client::TimerClock::Timer {
  FakeClock* clock;
  std::pair<std::chrono::steady_clock::time_point, uint64_t> slot;
  std::function<void()> fn;
  bool Cancel() override {
    std::lock_guard<std::mutex> lock(clock->mu_);
    return clock->timers_.erase(slot) > 0;
  }
};

FakeClock::TimePoint FakeClock::DefaultStart() {
  return TimePoint(std::chrono::seconds(1704067200));  // 2024-01-01T00:00:00Z
}

FakeClock::FakeClock(TimePoint start)
    : wall_(start), mono_(std::chrono::steady_clock::time_point(std::chrono::hours(1))) {}

FakeClock::TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

std::chrono::steady_clock::time_point FakeClock::Monotonic() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mono_;
}

std::shared_ptr<client::TimerClock::Timer> FakeClock::AfterFunc(std::chrono::nanoseconds delay,
                                                                std::function<void()> fn) {
  auto t = std::make_shared<TimerImpl>();
  t->clock = this;
  t->fn = std::move(fn);
  // Never fires inside AfterFunc (callers may hold locks the callback takes): a non-positive
  // delay is due now and fires on the next Advance/SetTime, Advance(0) included.
  std::lock_guard<std::mutex> lock(mu_);
  t->slot = {mono_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::max(delay, std::chrono::nanoseconds::zero())),
             next_id_++};
  timers_.emplace(t->slot, t);
  return t;
}

void FakeClock::FireDue() {
  for (;;) {
    std::shared_ptr<TimerImpl> due;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (timers_.empty() || timers_.begin()->first.first > mono_) return;
      due = timers_.begin()->second;
      timers_.erase(timers_.begin());
    }
    due->fn();  // without the lock: callbacks read the clock and schedule timers
  }
}

void FakeClock::Advance(std::chrono::nanoseconds d) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wall_ += std::chrono::duration_cast<TimePoint::duration>(d);
    mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  FireDue();
}

void FakeClock::SetTime(TimePoint t) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (t > wall_)
      mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(t - wall_);
    wall_ = t;
  }
  FireDue();
}

size_t FakeClock::NumTimers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return timers_.size();
}

}  // namespace tinyk8s::testing
