#pragma once
// ParallelFor spreads index ranges over the calling thread and a few resident helper threads,
// for short bursts of independent work whose latency matters (the watch cache writing one event
// to a thousand watch sockets: each send is microseconds of kernel work, so one thread alone
// takes milliseconds). Helpers sleep between bursts; Run returns when every index is done.
//
// Work is handed out in small chunks from a shared counter rather than as one fixed slice per
// thread: a thread that is preempted (the machine has fewer cores than busy threads) or wakes
// late only delays the chunk it holds, and the others take the rest.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyk8s {

class ParallelFor {
 public:
  using Fn = std::function<void(size_t thread, size_t begin, size_t end)>;

  // helpers: threads besides the caller (0 runs everything on the caller).
  explicit ParallelFor(size_t helpers);
  ~ParallelFor();
  ParallelFor(const ParallelFor&) = delete;
  ParallelFor& operator=(const ParallelFor&) = delete;

  // Run calls fn(thread, begin, end) for contiguous ranges of at most `chunk` indexes that
  // together cover [0, n) once each; `thread` is 0 on the caller and 1..helpers on helpers, and
  // one thread's calls never overlap. Fewer than two chunks' worth runs on the caller alone
  // (waking a helper costs more than it saves). Not reentrant: one Run at a time.
  void Run(size_t n, size_t chunk, const Fn& fn);

  // threads is the most threads a Run uses (helpers + 1).
  size_t threads() const { return threads_.size() + 1; }

 private:
  // Burst is one Run's shared state. Helpers keep it by shared_ptr: one that wakes after the
  // burst ended finds no index left and never touches fn.
  struct Burst {
    size_t n = 0;
    size_t chunk = 1;
    const Fn* fn = nullptr;
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::mutex mu;
    std::condition_variable finished;
  };
  static void Work(Burst& burst, size_t thread);
  void Helper(size_t index);

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::shared_ptr<Burst> burst_;  // the latest burst; guarded by mu_
  size_t generation_ = 0;         // bumped per burst; guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace tinyk8s
