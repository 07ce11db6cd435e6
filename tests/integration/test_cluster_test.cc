// The test helpers themselves: limits given in seconds are seconds of wall time.
#include "tests/integration/test_cluster.h"

#include <gtest/gtest.h>

namespace tinyk8s::testing {
namespace {

// A check that never holds and takes 500 ms per poll (as one running kubectl several times
// does) ends after about its 1 s limit: a few polls, where counting polls (20 per second of
// limit) would run 20 of them for 10 s. A loaded machine only makes the polls fewer.
TEST(WaitForTest, LimitIsWallClockTimeNotACountOfPolls) {
  int polls = 0;
  EXPECT_FALSE(WaitFor(
      [&] {
        ++polls;
        SleepMillis(500);
        return false;
      },
      1));
  EXPECT_GE(polls, 2);  // at least one poll, then the final check after the deadline
  EXPECT_LE(polls, 4);
}

TEST(WaitForTest, TrueAsSoonAsTheConditionHolds) {
  int polls = 0;
  EXPECT_TRUE(WaitFor([&] { return ++polls == 3; }, 60));
  EXPECT_EQ(polls, 3);
}

}  // namespace
}  // namespace tinyk8s::testing
