// KubeSchedulerConfiguration-style files.
#include "scheduler/config.h"

#include <gtest/gtest.h>

namespace tinyk8s::scheduler {
namespace {

TEST(SchedulerConfigTest, ProfilesAndPlugins) {
  auto c = ParseSchedulerConfig(R"(
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 20
leaderElection:
  leaderElect: false
profiles:
- schedulerName: a
- schedulerName: b
  plugins:
    multiPoint:
      disabled: [{name: NodeResourcesBalancedAllocation}]
    postFilter:
      disabled: [{name: DefaultPreemption}]
    score:
      enabled: [{name: NodeResourcesFit, weight: 5}]
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->profiles.size(), 2u);
  EXPECT_FALSE(c->leader_elect);
  EXPECT_EQ(c->profiles[0].scheduler_name, "a");
  EXPECT_EQ(c->profiles[0].percentage_of_nodes_to_score, 20);
  EXPECT_TRUE(c->profiles[0].preemption);
  EXPECT_EQ(c->profiles[1].scheduler_name, "b");
  EXPECT_FALSE(c->profiles[1].preemption);
  EXPECT_EQ(c->profiles[1].disabled_plugins,
            std::vector<std::string>{"NodeResourcesBalancedAllocation"});
  auto p = Profile::Create(c->profiles[1]);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ((*p)->scores().size(), 3u);  // TaintToleration, NodeAffinity, NodeResourcesFit
  EXPECT_EQ((*p)->scores()[2].second, 5);
}

TEST(SchedulerConfigTest, DefaultsToOneDefaultProfile) {
  auto c = ParseSchedulerConfig("kind: KubeSchedulerConfiguration\n");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->profiles.size(), 1u);
  EXPECT_EQ(c->profiles[0].scheduler_name, "default-scheduler");
  EXPECT_TRUE(c->leader_elect);
  EXPECT_EQ(c->LeaseName(), "kube-scheduler");  // upstream's lease in kube-system
}

TEST(SchedulerConfigTest, LeaseOfASecondSchedulerIsItsOwn) {
  auto c = ParseSchedulerConfig("profiles: [{schedulerName: my-scheduler}]");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->LeaseName(), "my-scheduler");
  c = ParseSchedulerConfig(
      "leaderElection: {resourceName: mine}\nprofiles: [{schedulerName: default-scheduler}]");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->LeaseName(), "mine");
}

TEST(SchedulerConfigTest, RejectsBadInput) {
  EXPECT_FALSE(ParseSchedulerConfig("profiles: [{schedulerName: a}, {schedulerName: a}]").ok());
  EXPECT_FALSE(ParseSchedulerConfig("kind: Pod").ok());
  EXPECT_FALSE(ParseSchedulerConfig("profiles: {a: b}").ok());
  EXPECT_FALSE(ParseSchedulerConfig("a: [unclosed").ok());
  auto unknown = ParseSchedulerConfig(
      "profiles: [{schedulerName: a, plugins: {filter: {disabled: [{name: Nope}]}}}]");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(Profile::Create(unknown->profiles[0]).ok());
}

}  // namespace
}  // namespace tinyk8s::scheduler
