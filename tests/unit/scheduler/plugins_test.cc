// Every filter and score plugin on hand-built pods and nodes.
#include <gtest/gtest.h>

#include "scheduler/plugins/node_affinity.h"
#include "scheduler/plugins/node_name.h"
#include "scheduler/plugins/node_ports.h"
#include "scheduler/plugins/node_resources_balanced_allocation.h"
#include "scheduler/plugins/node_resources_fit.h"
#include "scheduler/plugins/node_unschedulable.h"
#include "scheduler/plugins/taint_toleration.h"
#include "tests/unit/scheduler/test_util.h"

namespace tinyk8s::scheduler {
namespace {

using testing::Node;
using testing::Pod;

// Renders a status as "Code: reasons" so each expectation fits on one line.
std::string Dump(const PluginStatus& s) {
  switch (s.code()) {
    case Code::kSuccess:
      return "Success";
    case Code::kUnschedulable:
      return "Unschedulable: " + s.Message();
    case Code::kUnschedulableAndUnresolvable:
      return "Unresolvable: " + s.Message();
    case Code::kError:
      return "Error: " + s.Message();
    case Code::kSkip:
      return "Skip";
  }
  return "?";
}

TEST(NodeNameTest, MatchesOnlyTheNamedNode) {
  plugins::NodeName p;
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), Node("n1").Info())), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Node("n1").Info(), Node("n1").Info())), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Node("n2").Info(), Node("n1").Info())),
            "Unresolvable: node(s) didn't match the requested node name");
}

TEST(NodeUnschedulableTest, CordonedNodeNeedsToleration) {
  plugins::NodeUnschedulable p;
  NodeInfo cordoned = Node("n1").Unschedulable().Info();
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), Node("n1").Info())), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), cordoned)), "Unresolvable: node(s) were unschedulable");
  auto daemon = Pod("d").SpecJson(
      "tolerations",
      R"([{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}])");
  EXPECT_EQ(Dump(p.Filter(*daemon.Info(), cordoned)), "Success");
}

TEST(NodeAffinityTest, NodeSelectorMustMatchEveryLabel) {
  plugins::NodeAffinity p;
  NodeInfo ssd = Node("n1").Label("disk", "ssd").Label("zone", "a").Info();
  EXPECT_EQ(Dump(p.Filter(*Pod("a").NodeSelector("disk", "ssd").Info(), ssd)), "Success");
  EXPECT_EQ(
      Dump(p.Filter(*Pod("a").NodeSelector("disk", "ssd").NodeSelector("zone", "b").Info(), ssd)),
      "Unresolvable: node(s) didn't match Pod's node affinity/selector");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").NodeSelector("gpu", "yes").Info(), ssd)),
            "Unresolvable: node(s) didn't match Pod's node affinity/selector");
}

TEST(NodeAffinityTest, RequiredTermsAreOredAndRequirementsAnded) {
  plugins::NodeAffinity p;
  auto pod = Pod("a").SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]},
                             {"key":"cores","operator":"Gt","values":["8"]}]},
        {"matchExpressions":[{"key":"special","operator":"Exists"}]}]}}})");
  EXPECT_EQ(Dump(p.Filter(*pod.Info(), Node("n1").Label("zone", "a").Label("cores", "16").Info())),
            "Success");
  EXPECT_NE(Dump(p.Filter(*pod.Info(), Node("n1").Label("zone", "a").Label("cores", "4").Info())),
            "Success");
  EXPECT_EQ(Dump(p.Filter(*pod.Info(), Node("n1").Label("special", "").Info())), "Success");
  EXPECT_NE(Dump(p.Filter(*pod.Info(), Node("n1").Label("zone", "c").Info())), "Success");

  auto not_in = Pod("b").SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]},
                             {"key":"old","operator":"DoesNotExist"}]}]}}})");
  EXPECT_EQ(Dump(p.Filter(*not_in.Info(), Node("n1").Info())), "Success");
  EXPECT_NE(Dump(p.Filter(*not_in.Info(), Node("n1").Label("zone", "a").Info())), "Success");
  EXPECT_NE(Dump(p.Filter(*not_in.Info(), Node("n1").Label("old", "x").Info())), "Success");
}

// Verifies the daemon-pod shape: matchFields metadata.name pins one node, and PreFilter
// narrows the candidate nodes to it.
TEST(NodeAffinityTest, MatchFieldsMetadataNameAndPreFilter) {
  plugins::NodeAffinity p;
  auto daemon = Pod("d").SpecJson("affinity", R"({"nodeAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
        {"matchFields":[{"key":"metadata.name","operator":"In","values":["n2"]}]}]}}})");
  EXPECT_EQ(Dump(p.Filter(*daemon.Info(), Node("n2").Info())), "Success");
  EXPECT_EQ(Dump(p.Filter(*daemon.Info(), Node("n1").Info())),
            "Unresolvable: node(s) didn't match Pod's node affinity/selector");
  PreFilterResult r = p.PreFilter(*daemon.Info());
  ASSERT_TRUE(r.status.IsSuccess());
  ASSERT_TRUE(r.node_names.has_value());
  EXPECT_EQ(*r.node_names, std::unordered_set<std::string>{"n2"});
  EXPECT_EQ(p.PreFilter(*Pod("plain").Info()).status.code(), Code::kSkip);
  EXPECT_FALSE(p.PreFilter(*Pod("sel").NodeSelector("a", "b").Info()).node_names.has_value());
}

TEST(NodeAffinityTest, PreferredTermsScoreByWeightNormalized) {
  plugins::NodeAffinity p;
  auto pod = Pod("a").SpecJson("affinity", R"({"nodeAffinity":{
      "preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":10,"preference":{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}},
        {"weight":30,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}}]}})");
  PodInfoPtr info = pod.Info();
  std::vector<int64_t> scores = {
      p.Score(*info, Node("n1").Label("zone", "a").Info()),
      p.Score(*info, Node("n2").Label("zone", "a").Label("disk", "ssd").Info()),
      p.Score(*info, Node("n3").Info())};
  EXPECT_EQ(scores, (std::vector<int64_t>{10, 40, 0}));
  p.NormalizeScores(*info, scores);
  EXPECT_EQ(scores, (std::vector<int64_t>{25, 100, 0}));
}

TEST(TaintTolerationTest, UntoleratedNoScheduleAndNoExecuteReject) {
  plugins::TaintToleration p;
  NodeInfo tainted = Node("n1").Taint("dedicated", "gpu", "NoSchedule").Info();
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), tainted)),
            "Unresolvable: node(s) had untolerated taint(s)");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), Node("n1").Taint("x", "", "NoExecute").Info())),
            "Unresolvable: node(s) had untolerated taint(s)");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), Node("n1").Taint("x", "", "PreferNoSchedule").Info())),
            "Success");
  auto equal = Pod("b").SpecJson(
      "tolerations",
      R"([{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}])");
  EXPECT_EQ(Dump(p.Filter(*equal.Info(), tainted)), "Success");
  auto wrong_value = Pod("c").SpecJson("tolerations", R"([{"key":"dedicated","value":"cpu"}])");
  EXPECT_NE(Dump(p.Filter(*wrong_value.Info(), tainted)), "Success");
  auto wrong_effect = Pod("d").SpecJson(
      "tolerations", R"([{"key":"dedicated","operator":"Exists","effect":"NoExecute"}])");
  EXPECT_NE(Dump(p.Filter(*wrong_effect.Info(), tainted)), "Success");
  auto everything = Pod("e").SpecJson("tolerations", R"([{"operator":"Exists"}])");
  EXPECT_EQ(Dump(p.Filter(*everything.Info(), tainted)), "Success");
}

TEST(TaintTolerationTest, ScorePrefersFewerPreferNoScheduleTaints) {
  plugins::TaintToleration p;
  PodInfoPtr pod = Pod("a").SpecJson(
      "tolerations", R"([{"key":"ok","operator":"Exists","effect":"PreferNoSchedule"}])");
  std::vector<int64_t> scores = {
      p.Score(*pod, Node("n1").Info()),
      p.Score(*pod, Node("n2").Taint("x", "", "PreferNoSchedule").Info()),
      p.Score(*pod, Node("n3")
                        .Taint("x", "", "PreferNoSchedule")
                        .Taint("y", "", "PreferNoSchedule")
                        .Taint("ok", "", "PreferNoSchedule")
                        .Info())};
  EXPECT_EQ(scores, (std::vector<int64_t>{0, 1, 2}));
  p.NormalizeScores(*pod, scores);
  EXPECT_EQ(scores, (std::vector<int64_t>{100, 50, 0}));
}

TEST(NodeResourcesFitTest, ReportsEveryInsufficientResource) {
  plugins::NodeResourcesFit p;
  NodeInfo node = Node("n1")
                      .Cpu("1")
                      .Allocatable("memory", "1Gi")
                      .Allocatable("ephemeral-storage", "10Gi")
                      .Allocatable("example.com/gpu", "1")
                      .Info({Pod("old").Node("n1").Cpu("600m").Memory("512Mi")});
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Cpu("400m").Memory("512Mi").Info(), node)), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Cpu("500m").Info(), node)), "Unschedulable: Insufficient cpu");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Cpu("500m").Memory("1Gi").Info(), node)),
            "Unschedulable: Insufficient cpu, Insufficient memory");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Request("ephemeral-storage", "11Gi").Info(), node)),
            "Unschedulable: Insufficient ephemeral-storage");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Request("example.com/gpu", "2").Info(), node)),
            "Unschedulable: Insufficient example.com/gpu");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Request("example.com/gpu", "1").Info(), node)), "Success");
}

TEST(NodeResourcesFitTest, PodCountAndTerminatingPodsCount) {
  plugins::NodeResourcesFit p;
  NodeInfo full = Node("n1").Pods(2).Info({Pod("x").Node("n1"), Pod("y").Node("n1").Terminating()});
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), full)), "Unschedulable: Too many pods");
  // A terminating pod keeps its resources until the object is gone (SCH-15).
  NodeInfo busy = Node("n1").Cpu("1").Info({Pod("t").Node("n1").Cpu("800m").Terminating()});
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Cpu("500m").Info(), busy)), "Unschedulable: Insufficient cpu");
  // No allocatable pods at all: nothing fits (SCH-14 note).
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), Node("n1").Pods(0).Info())),
            "Unschedulable: Too many pods");
}

TEST(NodeResourcesFitTest, LeastAllocatedScore) {
  plugins::NodeResourcesFit p;
  PodInfoPtr pod = Pod("a").Cpu("1").Memory("2Gi");
  // Empty 4 cpu / 8Gi node: cpu (4-1)/4 = 75, memory (8-2)/8 = 75.
  EXPECT_EQ(p.Score(*pod, Node("n1").Info()), 75);
  // Half used: cpu (4-3)/4 = 25, memory (8-6)/8 = 25.
  EXPECT_EQ(p.Score(*pod, Node("n1").Info({Pod("o").Node("n1").Cpu("2").Memory("4Gi")})), 25);
  // A pod with no requests counts as 100m / 200Mi.
  EXPECT_EQ(p.Score(*Pod("z").Info(), Node("n1").Cpu("1").Allocatable("memory", "2000Mi").Info()),
            90);
}

TEST(NodeResourcesBalancedAllocationTest, PrefersEvenUse) {
  plugins::NodeResourcesBalancedAllocation p;
  PodInfoPtr pod = Pod("a").Cpu("1").Memory("2Gi");
  EXPECT_EQ(p.Score(*pod, Node("n1").Info()), 100);  // 25% and 25%
  // cpu 3/4 = .75, memory 2/8 = .25: stddev .25 -> 75.
  EXPECT_EQ(p.Score(*pod, Node("n1").Info({Pod("o").Node("n1").Cpu("2").Memory("1Mi")})), 75);
}

TEST(NodePortsTest, ConflictsFollowProtocolAndHostIp) {
  plugins::NodePorts p;
  NodeInfo node = Node("n1").Info({Pod("squatter").Node("n1").HostPort(9000)});
  const std::string reject =
      "Unschedulable: node(s) didn't have free ports for the requested pod ports";
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000).Info(), node)), reject);
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000, "UDP").Info(), node)), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9001).Info(), node)), "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000, "TCP", "10.0.0.1").Info(), node)), reject);
  NodeInfo specific = Node("n1").Info({Pod("s").Node("n1").HostPort(9000, "TCP", "10.0.0.1")});
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000, "TCP", "10.0.0.2").Info(), specific)),
            "Success");
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000, "TCP", "10.0.0.1").Info(), specific)), reject);
  EXPECT_EQ(Dump(p.Filter(*Pod("a").HostPort(9000, "TCP", "0.0.0.0").Info(), specific)), reject);
  EXPECT_EQ(Dump(p.Filter(*Pod("a").Info(), node)), "Success");
}

}  // namespace
}  // namespace tinyk8s::scheduler
