#pragma once
// ParallelFor splits index ranges across the calling thread and a few resident helper threads,
// for short bursts of independent work whose latency matters (the watch cache writing one event
// to a thousand watch sockets: each send is microseconds of kernel work, so one thread alone
// takes milliseconds). Helpers sleep between bursts; Run returns when every slice is done.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyk8s {

class ParallelFor {
 public:
  // helpers: threads besides the caller (0 runs everything on the caller).
  explicit ParallelFor(size_t helpers);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  // Run calls fn(slice, begin, end) for contiguous slices covering [0, n), at most one slice per
  // thread; slices smaller than min_per_slice are not split further. Slice 0 runs on the caller.
  // Not reentrant: one Run at a time.
  void Run(size_t n, size_t min_per_slice,
           const std::function<void(size_t slice, size_t begin, size_t end)>& fn);

  // Slices is the most slices a Run uses (helpers + 1).
  size_t slices() const { return threads_.size() + 1; }

 private:
  void Helper(size_t index);

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  const std::function<void(size_t, size_t, size_t)>* fn_ = nullptr;  // guarded by mu_
  std::vector<std::pair<size_t, size_t>> ranges_;  // ranges_[i]: slice i; guarded by mu_
  size_t generation_ = 0;                          // bumped per Run; guarded by mu_
  size_t pending_ = 0;                             // helper slices not finished; guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace tinyk8s
