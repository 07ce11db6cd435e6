#pragma once
// TokenBucket: client-side request rate limit (upstream flowcontrol.NewTokenBucketRateLimiter).
// Wait blocks until a token is available; TryTake does not wait. Thread-safe.

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace tinyk8s::client {

class TokenBucket {
 public:
  // qps <= 0: unlimited.
  TokenBucket(double qps, int burst) : qps_(qps), burst_(std::max(1, burst)), tokens_(burst_) {}

  // TryTake takes a token if there is one, never waiting; false when the budget is spent.
  bool TryTake() {
    if (qps_ <= 0) return true;
    std::lock_guard<std::mutex> lock(mu_);
    Refill();
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

  void Wait() {
    if (qps_ <= 0) return;
    std::chrono::duration<double> wait{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      Refill();
      tokens_ -= 1;  // reserve; a negative balance is the wait of this caller
      if (tokens_ < 0) wait = std::chrono::duration<double>(-tokens_ / qps_);
    }
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

 private:
  void Refill() {  // REQUIRES: mu_ held
    auto now = std::chrono::steady_clock::now();
    tokens_ = std::min<double>(burst_,
                               tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
    last_ = now;
  }

  std::mutex mu_;
  double qps_;
  int burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace tinyk8s::client
