// The scheduling cycle over a cache: node choice, messages, percentage of nodes, nominations.
#include "scheduler/algorithm.h"

#include <gtest/gtest.h>

#include "scheduler/cache.h"
#include "tests/unit/scheduler/test_util.h"

namespace tinyk8s::scheduler {
namespace {

using testing::Node;
using testing::Pod;

class AlgorithmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Profile::Create(ProfileConfig{});
    ASSERT_TRUE(p.ok());
    profile_ = std::move(*p);
  }
  std::string Schedule(const PodInfoPtr& pod, Diagnosis* diag = nullptr) {
    Diagnosis local;
    if (!diag) diag = &local;
    auto view = cache_.Lock();
    auto r = algo_.Schedule(*profile_, *pod, view, diag);
    if (r.node.empty()) return "none: " + FitErrorMessage(*diag);
    return r.node;
  }
  std::unique_ptr<Profile> profile_;
  Cache cache_;
  ScheduleAlgorithm algo_{42};
};

TEST_F(AlgorithmTest, PicksTheLeastLoadedNode) {
  cache_.AddOrUpdateNode(Node("n1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Spec());
  cache_.AddOrUpdatePod(Pod("busy").Node("n1").Cpu("3").Memory("6Gi"));
  EXPECT_EQ(Schedule(Pod("a").Cpu("500m").Memory("1Gi")), "n2");
}

TEST_F(AlgorithmTest, PreferredAffinityOutweighsLoad) {
  cache_.AddOrUpdateNode(Node("n1").Label("zone", "a").Spec());
  cache_.AddOrUpdateNode(Node("n2").Spec());
  cache_.AddOrUpdatePod(Pod("busy").Node("n1").Cpu("1").Memory("2Gi"));
  auto pod = Pod("a").SpecJson("affinity", R"({"nodeAffinity":{
      "preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":1,"preference":{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}}]}})");
  EXPECT_EQ(Schedule(pod), "n1");
}

TEST_F(AlgorithmTest, FitErrorMessageCountsReasonsSorted) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Cpu("1").Spec());
  cache_.AddOrUpdateNode(Node("n3").Taint("dedicated", "x", "NoSchedule").Spec());
  EXPECT_EQ(Schedule(Pod("a").Cpu("2")),
            "none: 0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient "
            "cpu.");
}

TEST_F(AlgorithmTest, NoNodesMessage) {
  EXPECT_EQ(Schedule(Pod("a")), "none: no nodes available to schedule pods");
}

// Verifies the daemon-pod path: only the named node is filtered; every other node is reported
// as not satisfying NodeAffinity (newer upstream wording).
TEST_F(AlgorithmTest, DaemonPodOnFullNode) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Spec());
  cache_.AddOrUpdateNode(Node("n3").Spec());
  cache_.AddOrUpdatePod(Pod("filler").Node("n1").Cpu("800m"));
  auto daemon = Pod("d").Cpu("500m").SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}}})");
  Diagnosis diag;
  EXPECT_EQ(Schedule(daemon, &diag),
            "none: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy "
            "plugin(s) [NodeAffinity].");
  EXPECT_EQ(Schedule(daemon.Cpu("100m")), "n1");
}

// Upstream NodeAffinity PreFilter: matchFields naming no node at all reject the pod as a whole.
TEST_F(AlgorithmTest, ConflictingNodeNameTermsFailThePreFilter) {
  cache_.AddOrUpdateNode(Node("n1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Spec());
  auto pod = Pod("d").SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]},
                        {"key":"metadata.name","operator":"In","values":["n2"]}]}]}}})");
  EXPECT_EQ(Schedule(pod), "none: 0/2 nodes are available: pod affinity terms conflict.");
}

TEST_F(AlgorithmTest, NominatedPodsHoldTheirRoomAgainstLowerPriority) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddNominatedPod(Pod("vip").Cpu("800m").Priority(100).Nominated("n1"), "n1");
  EXPECT_EQ(Schedule(Pod("low").Cpu("500m").Priority(100)),
            "none: 0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_EQ(Schedule(Pod("high").Cpu("500m").Priority(200)), "n1");
  // The nominated pod itself is not blocked by its own nomination.
  EXPECT_EQ(Schedule(Pod("vip").Cpu("800m").Priority(100)), "n1");
}

TEST_F(AlgorithmTest, AssumedPodsAreNeverOvercommitted) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  PodInfoPtr a = Pod("a").Cpu("600m");
  {
    auto view = cache_.Lock();
    Diagnosis d;
    ASSERT_EQ(algo_.Schedule(*profile_, *a, view, &d).node, "n1");
    view.Assume(a, "n1");
  }
  EXPECT_TRUE(cache_.IsAssumed("uid-a"));
  EXPECT_EQ(Schedule(Pod("b").Cpu("600m")), "none: 0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_TRUE(cache_.ForgetPod("uid-a"));  // binding failed: room is back
  EXPECT_EQ(Schedule(Pod("b").Cpu("600m")), "n1");
}

TEST(NumFeasibleNodesToFindTest, AdaptivePercentage) {
  EXPECT_EQ(NumFeasibleNodesToFind(0, 50), 50);
  EXPECT_EQ(NumFeasibleNodesToFind(0, 200), 100);      // 48% = 96 -> at least 100
  EXPECT_EQ(NumFeasibleNodesToFind(0, 1000), 420);     // 50 - 8 = 42%
  EXPECT_EQ(NumFeasibleNodesToFind(0, 5000), 500);     // 50 - 40 = 10%
  EXPECT_EQ(NumFeasibleNodesToFind(0, 100000), 5000);  // floor of 5%
  EXPECT_EQ(NumFeasibleNodesToFind(100, 5000), 5000);
  EXPECT_EQ(NumFeasibleNodesToFind(30, 1000), 300);
}

TEST_F(AlgorithmTest, EvaluatesOnlyAShareOfLargeClusters) {
  for (int i = 0; i < 1000; ++i) cache_.AddOrUpdateNode(Node("n" + std::to_string(i)).Spec());
  auto view = cache_.Lock();
  Diagnosis d;
  auto r = algo_.Schedule(*profile_, *Pod("a").Info(), view, &d);
  EXPECT_FALSE(r.node.empty());
  EXPECT_EQ(r.feasible, 420);
  EXPECT_EQ(r.evaluated, 420);
}

}  // namespace
}  // namespace tinyk8s::scheduler
