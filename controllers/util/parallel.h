#pragma once
// ParallelFor runs fn(0..n-1) on up to `parallelism` threads and returns when all are done
// (upstream workqueue.ParallelizeUntil, used for slow-start batches of API calls). `fn` must be
// thread-safe for distinct indexes.

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace tinyk8s::controllers {

template <typename Fn>
void ParallelFor(size_t n, int parallelism, Fn fn) {
  if (n == 0) return;
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, parallelism)));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::jthread> pool;
  pool.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
}

}  // namespace tinyk8s::controllers
