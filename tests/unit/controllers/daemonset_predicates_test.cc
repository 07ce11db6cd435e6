// NodeShouldRunDaemonPod and tolerations (DS-2..DS-8).
#include <gtest/gtest.h>

#include "controllers/daemonset/pod_template.h"
#include "controllers/daemonset/predicates.h"
#include "controllers/daemonset/util.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

using controllers::Taint;
using controllers::ToleratesTaint;
using controllers::Toleration;
using controllers::daemonset::DaemonPlacement;

std::string Eval(const std::string& spec, const std::string& node) {
  auto s = Obj(spec);
  auto n = Obj(node);
  auto r = DaemonPlacement(*s).Evaluate(*n);
  return std::string(r.should_run ? "run" : "-") + "/" + (r.should_continue_running ? "stay" : "-");
}

TEST(TolerationTest, MatchesLikeUpstream) {
  Taint t{"dedicated", "infra", "NoSchedule", ""};
  EXPECT_TRUE(ToleratesTaint({"dedicated", "Equal", "infra", "", std::nullopt}, t));
  EXPECT_TRUE(ToleratesTaint({"dedicated", "", "infra", "NoSchedule", std::nullopt}, t));
  EXPECT_FALSE(ToleratesTaint({"dedicated", "Equal", "other", "", std::nullopt}, t));
  EXPECT_FALSE(ToleratesTaint({"dedicated", "Exists", "", "NoExecute", std::nullopt}, t));
  EXPECT_TRUE(ToleratesTaint({"", "Exists", "", "", std::nullopt}, t));
}

TEST(DaemonPlacementTest, NodeSelectorAffinityAndTaints) {
  EXPECT_EQ(Eval(R"({"containers":[]})", NodeJson("n1")), "run/stay");
  EXPECT_EQ(Eval(R"({"nodeSelector":{"ssd":"true"}})", NodeJson("n1")), "-/-");
  EXPECT_EQ(Eval(R"({"nodeSelector":{"ssd":"true"}})", NodeJson("n1", R"({"ssd":"true"})")),
            "run/stay");
  std::string affinity =
      R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"color","operator":"In","values":["blue"]}]},{"matchFields":[{"key":"metadata.name","operator":"In","values":["n9"]}]}]}}}})";
  EXPECT_EQ(Eval(affinity, NodeJson("n1", R"({"color":"blue"})")), "run/stay");
  EXPECT_EQ(Eval(affinity, NodeJson("n1", R"({"color":"green"})")), "-/-");
  EXPECT_EQ(Eval(affinity, NodeJson("n9")), "run/stay");
  EXPECT_EQ(Eval(R"({})", NodeJson("n1", "{}", R"([{"key":"a","effect":"NoSchedule"}])")),
            "-/stay");
  EXPECT_EQ(Eval(R"({})", NodeJson("n1", "{}", R"([{"key":"a","effect":"NoExecute"}])")), "-/-");
  EXPECT_EQ(Eval(R"({})", NodeJson("n1", "{}", R"([{"key":"a","effect":"PreferNoSchedule"}])")),
            "run/stay");
  // Not-ready/unreachable NoSchedule are not tolerated; their NoExecute variants are (DS-6).
  EXPECT_EQ(
      Eval(
          R"({})",
          NodeJson(
              "n1", "{}",
              R"([{"key":"node.kubernetes.io/unreachable","effect":"NoSchedule"},{"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}])")),
      "-/stay");
  EXPECT_EQ(Eval(R"({"tolerations":[{"key":"a","operator":"Exists"}]})",
                 NodeJson("n1", "{}", R"([{"key":"a","effect":"NoExecute"}])")),
            "run/stay");
  EXPECT_EQ(Eval(R"({"nodeName":"n2"})", NodeJson("n1")), "-/-");
}

TEST(DaemonPodTest, PinnedByAffinityWithAutomaticTolerations) {
  auto ds =
      Obj(DsJson("ds", "agent:1", "", 1,
                 R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}})",
                 R"("hostNetwork":true,"tolerations":[{"key":"x","operator":"Exists"}],)"));
  rapidjson::Document pod = controllers::daemonset::NewDaemonPod(*ds, "n7", "abc");
  EXPECT_EQ(controllers::daemonset::TargetNodeName(pod), "n7");
  EXPECT_EQ(
      api::ToJson(*api::FindPath(pod, {"spec", "tolerations"})),
      R"([{"key":"x","operator":"Exists"},)"
      R"({"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute"},)"
      R"({"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"},)"
      R"({"key":"node.kubernetes.io/disk-pressure","operator":"Exists","effect":"NoSchedule"},)"
      R"({"key":"node.kubernetes.io/memory-pressure","operator":"Exists","effect":"NoSchedule"},)"
      R"({"key":"node.kubernetes.io/pid-pressure","operator":"Exists","effect":"NoSchedule"},)"
      R"({"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"},)"
      R"({"key":"node.kubernetes.io/network-unavailable","operator":"Exists","effect":"NoSchedule"}])");
  EXPECT_EQ(api::GetString(pod, {"metadata", "generateName"}), "ds-");
  EXPECT_EQ(api::Label(pod, "controller-revision-hash"), "abc");
}

TEST(RevisionDataTest, SortedReplacePatch) {
  auto ds = Obj(DsJson("ds"));
  EXPECT_EQ(
      controllers::daemonset::RevisionData(*ds),
      R"({"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"ds"}},)"
      R"("spec":{"containers":[{"image":"agent:1","name":"c"}],"restartPolicy":"Always"}}}})");
  auto tmpl = api::FindPath(*ds, {"spec", "template"});
  std::string h = controllers::daemonset::ComputeHash(*tmpl, std::nullopt);
  EXPECT_EQ(h, controllers::daemonset::ComputeHash(*tmpl, std::nullopt));
  EXPECT_NE(h, controllers::daemonset::ComputeHash(*tmpl, 1));
  EXPECT_EQ(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
}

TEST(ScaledValueTest, RoundsPercentUp) {
  auto v = Obj(R"({"a":"10%","b":3,"c":"50%"})");
  EXPECT_EQ(controllers::daemonset::ScaledValue(api::FindMember(*v, "a"), 3, 0), 1);
  EXPECT_EQ(controllers::daemonset::ScaledValue(api::FindMember(*v, "b"), 3, 0), 3);
  EXPECT_EQ(controllers::daemonset::ScaledValue(api::FindMember(*v, "c"), 3, 0), 2);
  EXPECT_EQ(controllers::daemonset::ScaledValue(nullptr, 3, 1), 1);
}

}  // namespace
}  // namespace tinyk8s::testing
