#pragma once
// WorkerPool: a fixed set of threads running queued tasks: the scheduler's async binding,
// status updates and victim deletions, so the scheduling thread never waits on the API
// (upstream runs each binding cycle in its own goroutine). With 0 workers tasks run inline on
// the submitting thread, which makes unit tests deterministic.
//
// Thread-safe.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyk8s::scheduler {

class WorkerPool {
 public:
  explicit WorkerPool(int workers);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Submit queues `task` (runs it at once with 0 workers). Dropped after Stop.
  void Submit(std::function<void()> task);
  // Stop runs what is queued, then joins the workers. Idempotent.
  void Stop();
  // Pending tasks (queued, not running).
  size_t Pending() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  bool inline_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tinyk8s::scheduler
