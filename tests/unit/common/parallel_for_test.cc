#include "common/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace tinyk8s {
namespace {

TEST(ParallelForTest, CoversEveryIndexOnceAcrossThreads) {
  ParallelFor pool(3);
  EXPECT_EQ(pool.slices(), 4u);
  for (size_t n : {0u, 1u, 5u, 100u, 1001u}) {
    std::vector<int> hits(n, 0);
    std::mutex mu;
    std::set<std::thread::id> threads;
    pool.Run(n, 10, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) ++hits[i];
      std::lock_guard lock(mu);
      threads.insert(std::this_thread::get_id());
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i], 1) << "n=" << n << " i=" << i;
    // Fewer than two slices' worth of work stays on the caller.
    if (n < 20 && n > 0) {
      EXPECT_EQ(threads.size(), 1u);
      EXPECT_EQ(*threads.begin(), std::this_thread::get_id());
    }
    if (n >= 1000) {
      EXPECT_GT(threads.size(), 1u);
    }
  }
}

TEST(ParallelForTest, RunsRepeatedlyAndWithoutHelpers) {
  ParallelFor pool(1);
  std::atomic<size_t> total{0};
  for (int round = 0; round < 200; ++round) {
    pool.Run(300, 1, [&](size_t, size_t begin, size_t end) { total += end - begin; });
  }
  EXPECT_EQ(total.load(), 200u * 300u);
  ParallelFor alone(0);
  size_t calls = 0;
  alone.Run(50, 1, [&](size_t slice, size_t begin, size_t end) {
    ++calls;
    EXPECT_EQ(slice, 0u);
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 50u);
  });
  EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace tinyk8s
