#include "client/expectations.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace tinyk8s::client {
namespace {

TEST(ExpectationsTest, SatisfiedWhenObservedOrExpired) {
  tinyk8s::testing::FakeClock clock;
  Expectations e(clock);
  EXPECT_TRUE(e.SatisfiedExpectations("ns/ds"));  // none set
  e.ExpectCreations("ns/ds", 2);
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  e.CreationObserved("ns/ds");
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  e.CreationObserved("ns/ds");
  EXPECT_TRUE(e.SatisfiedExpectations("ns/ds"));

  e.ExpectDeletions("ns/ds", 1);
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  clock.Advance(std::chrono::minutes(5));
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(e.SatisfiedExpectations("ns/ds"));  // TTL: a lost event must not wedge the key

  e.SetExpectations("k", 1, 1);
  int64_t adds, dels;
  ASSERT_TRUE(e.GetExpectations("k", &adds, &dels));
  EXPECT_EQ(adds, 1);
  e.DeleteExpectations("k");
  EXPECT_FALSE(e.GetExpectations("k", &adds, &dels));
  EXPECT_TRUE(e.SatisfiedExpectations("k"));
}

TEST(ExpectationsTest, UidTrackingCountsEachDeletionOnce) {
  tinyk8s::testing::FakeClock clock;
  Expectations e(clock);
  e.ExpectDeletionsOfUids("ns/ds", {"u1", "u2"});
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  e.DeletionObservedUid("ns/ds", "u1");
  e.DeletionObservedUid("ns/ds", "u1");  // seen again (watch + relist): not counted twice
  e.DeletionObservedUid("ns/ds", "other");
  EXPECT_FALSE(e.SatisfiedExpectations("ns/ds"));
  EXPECT_EQ(e.GetUids("ns/ds").size(), 1u);
  e.DeletionObservedUid("ns/ds", "u2");
  EXPECT_TRUE(e.SatisfiedExpectations("ns/ds"));
}

}  // namespace
}  // namespace tinyk8s::client
