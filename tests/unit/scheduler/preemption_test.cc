// Victim selection, candidate choice and the preemption decision's messages.
#include "scheduler/preemption.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_util.h"

namespace tinyk8s::scheduler {
namespace {

using testing::Node;
using testing::Pod;

std::string Names(const std::vector<PodInfoPtr>& pods) {
  std::string out;
  for (const auto& p : pods) out += (out.empty() ? "" : ",") + p->name;
  return out;
}

class PreemptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Profile::Create(ProfileConfig{});
    ASSERT_TRUE(p.ok());
    profile_ = std::move(*p);
  }
  // Runs a cycle for `pod` and, when nothing fits, the preemption decision.
  PreemptionResult Run(const PodInfoPtr& pod, std::string* fit_message = nullptr) {
    auto view = cache_.Lock();
    Diagnosis diag;
    auto r = algo_.Schedule(*profile_, *pod, view, &diag);
    EXPECT_TRUE(r.node.empty()) << "pod fits on " << r.node;
    PreemptionResult result = Preempt(*profile_, *pod, pod->nominated_node_name, view, diag);
    diag.post_filter_msg = result.message;
    if (fit_message) *fit_message = FitErrorMessage(diag);
    return result;
  }
  std::unique_ptr<Profile> profile_;
  Cache cache_;
  ScheduleAlgorithm algo_{7};
};

TEST(SelectVictimsOnNodeTest, EvictsFewestLowestPriorityPods) {
  auto profile = Profile::Create(ProfileConfig{}).value();
  NodeInfo node = Node("n1").Cpu("2").Info({
      Pod("p10").Node("n1").Cpu("500m").Priority(10),
      Pod("p20").Node("n1").Cpu("500m").Priority(20),
      Pod("p30").Node("n1").Cpu("500m").Priority(30),
      Pod("same").Node("n1").Cpu("500m").Priority(100),
  });
  auto victims =
      SelectVictimsOnNode(*profile, *Pod("vip").Cpu("1").Priority(100).Info(), node, nullptr);
  ASSERT_TRUE(victims.has_value());
  // Reprieve goes most important first: p30 stays, p20 and p10 go.
  EXPECT_EQ(Names(*victims), "p20,p10");
}

TEST(SelectVictimsOnNodeTest, EqualOrHigherPriorityIsNeverAVictim) {
  auto profile = Profile::Create(ProfileConfig{}).value();
  NodeInfo node = Node("n1").Cpu("1").Info({Pod("same").Node("n1").Cpu("800m").Priority(100)});
  EXPECT_FALSE(
      SelectVictimsOnNode(*profile, *Pod("vip").Cpu("500m").Priority(100).Info(), node, nullptr)
          .has_value());
}

TEST(SelectVictimsOnNodeTest, HostPortVictim) {
  auto profile = Profile::Create(ProfileConfig{}).value();
  NodeInfo node = Node("n1").Info({Pod("squatter").Node("n1").HostPort(9000).Priority(0),
                                   Pod("bystander").Node("n1").Priority(0)});
  auto victims =
      SelectVictimsOnNode(*profile, *Pod("vip").HostPort(9000).Priority(5).Info(), node, nullptr);
  ASSERT_TRUE(victims.has_value());
  EXPECT_EQ(Names(*victims), "squatter");
}

TEST(PickOneNodeForPreemptionTest, Criteria) {
  auto c = [](const char* node_name, std::vector<PodInfoPtr> victims) {
    static std::vector<std::unique_ptr<NodeInfo>> keep;
    keep.push_back(std::make_unique<NodeInfo>(node_name));
    return PreemptionCandidate{keep.back().get(), std::move(victims)};
  };
  // Lowest highest-victim priority wins.
  EXPECT_EQ(PickOneNodeForPreemption({c("a", {Pod("x").Priority(50)}),
                                      c("b", {Pod("y").Priority(10), Pod("z").Priority(5)})}),
            1u);
  // Then the smallest sum of priorities.
  EXPECT_EQ(PickOneNodeForPreemption({c("a", {Pod("x").Priority(10), Pod("y").Priority(10)}),
                                      c("b", {Pod("z").Priority(10)})}),
            1u);
  // No victims at all: taken at once.
  EXPECT_EQ(PickOneNodeForPreemption({c("a", {Pod("x").Priority(1)}), c("b", {})}), 1u);
  // All equal but start time: the node whose top victims started latest.
  EXPECT_EQ(
      PickOneNodeForPreemption({c("a", {Pod("x").Priority(1).StartTime("2024-01-01T00:00:00Z")}),
                                c("b", {Pod("y").Priority(1).StartTime("2024-01-02T00:00:00Z")})}),
      1u);
  // Complete tie: the first.
  EXPECT_EQ(
      PickOneNodeForPreemption({c("a", {Pod("x").Priority(1)}), c("b", {Pod("y").Priority(1)})}),
      0u);
}

TEST_F(PreemptionTest, PicksTheNodeWithTheLowestVictims) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Cpu("1").Spec());
  cache_.AddOrUpdatePod(Pod("mid").Node("n1").Cpu("800m").Priority(50));
  cache_.AddOrUpdatePod(Pod("low").Node("n2").Cpu("800m").Priority(10));
  std::string msg;
  PreemptionResult r = Run(Pod("vip").Cpu("500m").Priority(100), &msg);
  EXPECT_EQ(r.nominated_node, "n2");
  EXPECT_EQ(Names(r.victims), "low");
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(msg, "0/2 nodes are available: 2 Insufficient cpu.");
}

TEST_F(PreemptionTest, NoVictimsOfEqualPriority) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdateNode(Node("n2").Cpu("1").Taint("t", "", "NoSchedule").Spec());
  cache_.AddOrUpdatePod(Pod("peer").Node("n1").Cpu("800m").Priority(100));
  std::string msg;
  PreemptionResult r = Run(Pod("vip").Cpu("500m").Priority(100), &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_TRUE(r.victims.empty());
  EXPECT_EQ(msg,
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s). "
            "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
            "1 Preemption is not helpful for scheduling.");
}

TEST_F(PreemptionTest, TaintsAndAffinityNeverPreempt) {
  cache_.AddOrUpdateNode(Node("n1").Taint("t", "", "NoSchedule").Spec());
  cache_.AddOrUpdatePod(Pod("low").Node("n1").Priority(0));
  std::string msg;
  PreemptionResult r = Run(Pod("vip").NodeSelector("x", "y").Priority(100), &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_EQ(msg,
            "0/1 nodes are available: 1 node(s) had untolerated taint(s). preemption: 0/1 nodes "
            "are available: 1 Preemption is not helpful for scheduling.");
}

// The preemption suffix follows every failure preemption was tried for, PreFilter rejections
// and nodes outside a daemon pod's named node included (upstream absent-node statuses).
TEST_F(PreemptionTest, NotHelpfulForNodesRejectedAsAWhole) {
  cache_.AddOrUpdateNode(Node("n1").Spec());
  cache_.AddOrUpdatePod(Pod("low").Node("n1").Priority(0));
  auto pinned = [](const std::string& names) {
    return Pod("vip").Priority(100).SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchFields":[)" + names + R"(]}]}}})");
  };
  std::string msg;
  // A daemon pod whose node is gone.
  PreemptionResult r =
      Run(pinned(R"({"key":"metadata.name","operator":"In","values":["gone"]})"), &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_EQ(msg,
            "0/1 nodes are available: 1 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  r = Run(pinned(R"({"key":"metadata.name","operator":"In","values":["n1"]},)"
                 R"({"key":"metadata.name","operator":"In","values":["n2"]})"),
          &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_EQ(msg,
            "0/1 nodes are available: pod affinity terms conflict. preemption: 0/1 nodes are "
            "available: 1 Preemption is not helpful for scheduling.");
  // A plain nodeSelector that no node matches.
  r = Run(Pod("sel").Priority(100).NodeSelector("disk", "ssd"), &msg);
  EXPECT_EQ(msg,
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
}

TEST_F(PreemptionTest, PreemptionPolicyNever) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdatePod(Pod("low").Node("n1").Cpu("800m").Priority(0));
  std::string msg;
  PreemptionResult r = Run(Pod("vip").Cpu("500m").Priority(100).PreemptNever(), &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_EQ(msg,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
            "preemptionPolicy=Never.");
}

TEST_F(PreemptionTest, WaitsForTerminatingVictimsOnItsNominatedNode) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdatePod(Pod("low").Node("n1").Cpu("800m").Priority(0).Terminating());
  std::string msg;
  PreemptionResult r = Run(Pod("vip").Cpu("500m").Priority(100).Nominated("n1"), &msg);
  EXPECT_EQ(r.nominated_node, "");
  EXPECT_TRUE(r.victims.empty());
  EXPECT_EQ(msg,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a "
            "terminating pod on the nominated node.");
}

TEST_F(PreemptionTest, LowerPriorityNominationsAreReported) {
  cache_.AddOrUpdateNode(Node("n1").Cpu("1").Spec());
  cache_.AddOrUpdatePod(Pod("low").Node("n1").Cpu("800m").Priority(0));
  cache_.AddNominatedPod(Pod("mid").Cpu("100m").Priority(50).Nominated("n1"), "n1");
  PreemptionResult r = Run(Pod("vip").Cpu("500m").Priority(100));
  EXPECT_EQ(r.nominated_node, "n1");
  EXPECT_EQ(Names(r.lower_nominated), "mid");
}

}  // namespace
}  // namespace tinyk8s::scheduler
