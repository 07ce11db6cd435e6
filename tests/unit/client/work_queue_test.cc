#include "client/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "client/resource.h"
#include "tests/fakes/fake_clock.h"

namespace tinyk8s::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct QueueTest : public ::testing::Test {
  tinyk8s::testing::FakeClock clock;
  WorkQueue<std::string> q{WorkQueueOptions{&clock}};
};

TEST_F(QueueTest, DeduplicatesQueuedKeys) {
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  std::string k;
  ASSERT_TRUE(q.Get(&k));
  EXPECT_EQ(k, "a");
  ASSERT_TRUE(q.Get(&k));
  EXPECT_EQ(k, "b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST_F(QueueTest, KeyReAddedWhileProcessingIsQueuedOnDoneOnly) {
  q.Add("a");
  std::string k;
  ASSERT_TRUE(q.Get(&k));
  q.Add("a");  // in flight: must not be handed to a second worker
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);  // once, de-duplicated
  ASSERT_TRUE(q.Get(&k));
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST_F(QueueTest, ShutDownWakesWaitersAndDrains) {
  std::atomic<int> returned{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      std::string k;
      while (q.Get(&k)) q.Done(k);
      ++returned;
    });
  }
  q.Add("x");
  q.ShutDown();
  for (auto& w : workers) w.join();
  EXPECT_EQ(returned.load(), 3);
  q.Add("y");  // ignored after shutdown
  EXPECT_EQ(q.Len(), 0u);
  std::string k;
  EXPECT_FALSE(q.Get(&k));
}

TEST_F(QueueTest, GetDrainsQueuedKeysAfterShutDown) {
  q.Add("a");
  q.ShutDown();
  std::string k;
  EXPECT_TRUE(q.Get(&k));
  EXPECT_FALSE(q.Get(&k));
}

TEST_F(QueueTest, AddAfterFiresWhenFakeTimeAdvances) {
  q.AddAfter("a", seconds(10));
  q.AddAfter("b", seconds(5));
  q.AddAfter("a", seconds(20));  // later time ignored: the earlier one stands
  EXPECT_EQ(q.NumWaiting(), 2u);
  clock.Advance(seconds(4));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(seconds(1));
  EXPECT_EQ(q.Len(), 1u);
  std::string k;
  ASSERT_TRUE(q.Get(&k));
  EXPECT_EQ(k, "b");
  q.AddAfter("a", seconds(1));  // earlier than the pending 10s
  clock.Advance(seconds(1));
  ASSERT_EQ(q.Len(), 1u);
  ASSERT_TRUE(q.Get(&k));
  EXPECT_EQ(k, "a");
  clock.Advance(seconds(60));
  EXPECT_EQ(q.Len(), 0u);  // the 10s entry was superseded
  EXPECT_EQ(q.NumWaiting(), 0u);
}

TEST_F(QueueTest, AddAfterOfQueuedKeyDoesNotDuplicate) {
  q.Add("a");
  q.AddAfter("a", milliseconds(1));
  clock.Advance(milliseconds(1));
  EXPECT_EQ(q.Len(), 1u);
}

TEST_F(QueueTest, RateLimitedBackoffIsExponentialAndCapped) {
  EXPECT_EQ(q.When("k"), milliseconds(5));
  EXPECT_EQ(q.When("k"), milliseconds(10));
  EXPECT_EQ(q.When("k"), milliseconds(20));
  EXPECT_EQ(q.NumRequeues("k"), 3);
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
  for (int i = 0; i < 40; ++i) (void)q.When("k");
  EXPECT_EQ(q.When("k"), seconds(1000));

  q.Forget("k");
  q.AddRateLimited("k");  // 5ms
  clock.Advance(milliseconds(4));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(q.Len(), 1u);
  std::string k;
  ASSERT_TRUE(q.Get(&k));
  q.AddRateLimited("k");  // 10ms
  q.Done("k");
  clock.Advance(milliseconds(9));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(q.Len(), 1u);
}

TEST_F(QueueTest, ParallelWorkersNeverShareAKey) {
  std::atomic<int> in_flight{0}, max_in_flight{0}, processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      std::string k;
      while (q.Get(&k)) {
        int now = ++in_flight;
        int prev = max_in_flight.load();
        while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::yield();
        --in_flight;
        ++processed;
        q.Done(k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("same");
  q.ShutDownWithDrain();
  for (auto& w : workers) w.join();
  EXPECT_EQ(max_in_flight.load(), 1);
  EXPECT_GE(processed.load(), 1);
}

TEST(WorkQueueTest, ObjectKeysAndRealClock) {
  WorkQueue<ObjectKey> q;
  q.AddAfter(ObjectKey{"ns", "a"}, milliseconds(1));
  ObjectKey k;
  ASSERT_TRUE(q.Get(&k));  // blocks until the real timer fires
  EXPECT_EQ(k.ToString(), "ns/a");
  q.Done(k);
}

}  // namespace
}  // namespace tinyk8s::client
