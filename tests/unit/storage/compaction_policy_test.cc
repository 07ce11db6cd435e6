// Verifies the automatic compaction policy: keep history younger than the duration OR within
// the last N revisions.

#include "storage/compaction_policy.h"

#include <gtest/gtest.h>

namespace tinyk8s::storage {
namespace {

using std::chrono::minutes;

TEST(CompactionPolicyTest, KeepsHistoryYoungerThanDuration) {
  CompactionPolicy policy(minutes(5), /*retain_revisions=*/10);
  auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(policy.Target(t0, 100), 0);
  EXPECT_EQ(policy.Target(t0 + minutes(1), 500), 0);
  EXPECT_EQ(policy.Target(t0 + minutes(5), 900), 100);  // what was current 5 minutes ago
  EXPECT_EQ(policy.Target(t0 + minutes(6), 1000), 500);
  EXPECT_EQ(policy.Target(t0 + minutes(7), 1000), 500);  // 900 is only 2 minutes old
}

TEST(CompactionPolicyTest, KeepsLastRevisions) {
  CompactionPolicy policy(minutes(5), /*retain_revisions=*/1000);
  auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(policy.Target(t0, 900), 0);
  EXPECT_EQ(policy.Target(t0 + minutes(10), 1500), 500);
}

TEST(CompactionPolicyTest, ZeroDurationUsesRevisionsOnly) {
  CompactionPolicy policy(std::chrono::milliseconds(0), /*retain_revisions=*/5);
  auto t0 = std::chrono::steady_clock::time_point{};
  EXPECT_EQ(policy.Target(t0, 3), 0);
  EXPECT_EQ(policy.Target(t0, 30), 25);
}

}  // namespace
}  // namespace tinyk8s::storage
