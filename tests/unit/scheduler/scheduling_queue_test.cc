// Queue order, backoff, the unschedulable pool and re-activation, on a fake clock.
#include "scheduler/scheduling_queue.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/scheduler/test_util.h"

namespace tinyk8s::scheduler {
namespace {

using testing::Pod;
using tinyk8s::testing::FakeClock;

class SchedulingQueueTest : public ::testing::Test {
 protected:
  std::string PopName() {
    auto p = queue_.TryPop();
    return p ? p->pod->name : "<none>";
  }
  FakeClock clock_;
  SchedulingQueue queue_{clock_};
};

TEST_F(SchedulingQueueTest, HigherPriorityFirstThenFifo) {
  queue_.Add(Pod("a").Priority(1));
  queue_.Add(Pod("b").Priority(5));
  queue_.Add(Pod("c").Priority(1));
  queue_.Add(Pod("d").Priority(5));
  EXPECT_EQ(PopName(), "b");
  EXPECT_EQ(PopName(), "d");
  EXPECT_EQ(PopName(), "a");
  EXPECT_EQ(PopName(), "c");
  EXPECT_EQ(PopName(), "<none>");
}

TEST_F(SchedulingQueueTest, BackoffDoublesUpToTenSeconds) {
  std::vector<int64_t> ms;
  for (int i = 1; i <= 6; ++i) ms.push_back(queue_.BackoffFor(i).count());
  EXPECT_EQ(ms, (std::vector<int64_t>{1000, 2000, 4000, 8000, 10000, 10000}));
}

// Verifies a failed pod waits in the pool until a cluster change, then honours its backoff.
TEST_F(SchedulingQueueTest, UnschedulableWaitsForAClusterChangeAndBackoff) {
  queue_.Add(Pod("a"));
  auto p = queue_.TryPop();
  ASSERT_TRUE(p);
  queue_.AddUnschedulable(*p);
  EXPECT_EQ(queue_.counts().unschedulable, 1u);
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_EQ(PopName(), "<none>");  // time alone does not bring it back (before 5 minutes)
  queue_.MoveAllToActiveOrBackoff();
  EXPECT_EQ(PopName(), "a");  // its 1s backoff is over
}

TEST_F(SchedulingQueueTest, MovedPodStillBackingOffWaitsInBackoff) {
  queue_.Add(Pod("a"));
  queue_.AddUnschedulable(*queue_.TryPop());
  queue_.MoveAllToActiveOrBackoff();
  EXPECT_EQ(queue_.counts().backoff, 1u);
  EXPECT_EQ(PopName(), "<none>");
  clock_.Advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(PopName(), "a");
}

// Verifies a cluster change during a scheduling attempt is not lost (moveRequestCycle).
TEST_F(SchedulingQueueTest, ChangeWhileInFlightSendsFailureToBackoff) {
  queue_.Add(Pod("a"));
  auto p = queue_.TryPop();
  queue_.MoveAllToActiveOrBackoff();  // e.g. a node was added meanwhile
  queue_.AddUnschedulable(*p);
  EXPECT_EQ(queue_.counts().backoff, 1u);
  EXPECT_EQ(queue_.counts().unschedulable, 0u);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(PopName(), "a");
}

TEST_F(SchedulingQueueTest, PoolIsFlushedAfterFiveMinutes) {
  queue_.Add(Pod("a"));
  queue_.AddUnschedulable(*queue_.TryPop());
  clock_.Advance(std::chrono::minutes(4));
  EXPECT_EQ(PopName(), "<none>");
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(PopName(), "a");
}

TEST_F(SchedulingQueueTest, SpecUpdateReactivatesUnschedulablePod) {
  queue_.Add(Pod("a").Cpu("10"));
  queue_.AddUnschedulable(*queue_.TryPop());
  clock_.Advance(std::chrono::seconds(2));
  queue_.Update(Pod("a").Cpu("10").Nominated("n1"));  // status-only: stays
  EXPECT_EQ(PopName(), "<none>");
  queue_.Update(Pod("a").Cpu("10").SpecJson("tolerations", R"([{"operator":"Exists"}])"));
  EXPECT_EQ(PopName(), "a");
}

TEST_F(SchedulingQueueTest, DeleteDropsPodsEvenInFlight) {
  queue_.Add(Pod("a"));
  queue_.Add(Pod("b"));
  auto a = queue_.TryPop();
  queue_.Delete("uid-a");
  queue_.Delete("uid-b");
  queue_.AddUnschedulable(*a);  // deleted meanwhile: ignored
  auto c = queue_.counts();
  EXPECT_EQ(c.active + c.backoff + c.unschedulable + c.in_flight, 0u);
}

TEST_F(SchedulingQueueTest, DoneForgetsScheduledPod) {
  queue_.Add(Pod("a"));
  auto a = queue_.TryPop();
  EXPECT_EQ(queue_.counts().in_flight, 1u);
  queue_.Done("uid-a");
  EXPECT_EQ(queue_.counts().in_flight, 0u);
  queue_.Add(Pod("a"));  // a new pending pod with the same uid is accepted again
  EXPECT_EQ(PopName(), "a");
}

TEST_F(SchedulingQueueTest, PopBlocksUntilCloseReturnsNothing) {
  queue_.Close();
  EXPECT_FALSE(queue_.Pop().has_value());
}

}  // namespace
}  // namespace tinyk8s::scheduler
