#pragma once
// Eventually polls a condition until it holds or a wall-clock limit passes (tests never assert on
// timing; the limit only bounds how long a failing test waits). `step`, when given, runs
// between polls (a test driving a fake clock, for instance).

#include <chrono>
#include <functional>
#include <thread>

namespace tinyk8s::testing {

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5),
                const std::function<void()>& step = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    if (step) step();
    std::this_thread::sleep_for(poll);
  }
  return pred();
}

}  // namespace tinyk8s::testing
