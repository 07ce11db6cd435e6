#include "common/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace tinyk8s {
namespace {

TEST(ParallelForTest, CoversEveryIndexOnceAcrossThreads) {
  ParallelFor pool(3);
  EXPECT_EQ(pool.threads(), 4u);
  for (size_t n : {0u, 1u, 5u, 19u, 100u, 1001u}) {
    std::vector<int> hits(n, 0);
    std::mutex mu;
    std::set<std::thread::id> threads;
    pool.Run(n, 10, [&](size_t, size_t begin, size_t end) {
      EXPECT_LE(end - begin, 10u + (n < 20 ? n : 0));
      for (size_t i = begin; i < end; ++i) ++hits[i];
      std::lock_guard lock(mu);
      threads.insert(std::this_thread::get_id());
      // Long enough per chunk that sleeping helpers wake before the caller runs out of work.
      if (n >= 1000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i], 1) << "n=" << n << " i=" << i;
    // Fewer than two chunks' worth of work stays on the caller.
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
  alone.Run(50, 1, [&](size_t thread, size_t begin, size_t end) {
    ++calls;
    EXPECT_EQ(thread, 0u);
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 50u);
  });
  EXPECT_EQ(calls, 1u);
}

// A helper that is slow (preempted, or waking late) must not hold up the rest: the other threads
// take the chunks it has not claimed, so it ends up with few of them.
TEST(ParallelForTest, OthersTakeOverTheChunksOfASlowThread) {
  ParallelFor pool(2);
  std::mutex mu;
  std::map<size_t, size_t> chunks_by_thread;
  pool.Run(400, 10, [&](size_t thread, size_t begin, size_t end) {
    EXPECT_LE(end - begin, 10u);
    {
      std::lock_guard lock(mu);
      ++chunks_by_thread[thread];
    }
    if (thread == 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  size_t total = 0;
  for (auto& [thread, chunks] : chunks_by_thread) total += chunks;
  EXPECT_EQ(total, 40u);
  EXPECT_LE(chunks_by_thread[1], 2u);  // a fixed slice per thread would have given it ~13
}

}  // namespace
}  // namespace tinyk8s
