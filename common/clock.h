#pragma once
// Clock: injectable time source so that backoff, TTLs, leases and heartbeats can be tested
// with a fake clock (tests/fakes/fake_clock.h). Implementations are thread-safe.

#include <chrono>
#include <cstdint>
#include <string>

namespace tinyk8s {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  // Now returns wall-clock time (used for timestamps written into objects).
  virtual TimePoint Now() const = 0;
  // Monotonic returns a steady time for measuring durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

// RealClock reads the system clocks.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

// FormatRfc3339 renders a time as Kubernetes metav1.Time ("2024-01-01T00:00:00Z").
std::string FormatRfc3339(Clock::TimePoint t);
// FormatRfc3339Micro renders metav1.MicroTime ("2024-01-01T00:00:00.123456Z").
std::string FormatRfc3339Micro(Clock::TimePoint t);
// ParseRfc3339 accepts both forms above (and numeric offsets); false if malformed.
bool ParseRfc3339(const std::string& text, Clock::TimePoint* out);

}  // namespace tinyk8s
