#include "common/parallel_for.h"

#include <algorithm>

namespace tinyk8s {

ParallelFor::ParallelFor(size_t helpers) {
  for (size_t i = 0; i < helpers; ++i) threads_.emplace_back([this, i] { Helper(i + 1); });
}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ParallelFor::Run(size_t n, size_t chunk, const Fn& fn) {
  chunk = std::max<size_t>(1, chunk);
  if (threads_.empty() || n < 2 * chunk) {
    if (n > 0) fn(0, 0, n);
    return;
  }
  auto burst = std::make_shared<Burst>();
  burst->n = n;
  burst->chunk = chunk;
  burst->fn = &fn;
  {
    std::lock_guard lock(mu_);
    burst_ = burst;
    ++generation_;
  }
  work_cv_.notify_all();
  Work(*burst, 0);
  std::unique_lock lock(burst->mu);
  burst->finished.wait(lock, [&] { return burst->done.load() == n; });
}

void ParallelFor::Work(Burst& burst, size_t thread) {
  while (true) {
    size_t begin = burst.next.fetch_add(burst.chunk);
    if (begin >= burst.n) return;
    size_t end = std::min(burst.n, begin + burst.chunk);
    (*burst.fn)(thread, begin, end);
    if (burst.done.fetch_add(end - begin) + (end - begin) == burst.n) {
      std::lock_guard lock(burst.mu);  // the caller checks `done` under this lock
      burst.finished.notify_all();
    }
  }
}

void ParallelFor::Helper(size_t index) {
  size_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    std::shared_ptr<Burst> burst = burst_;
    lock.unlock();
    Work(*burst, index);
    burst.reset();
    lock.lock();
  }
}

}  // namespace tinyk8s
