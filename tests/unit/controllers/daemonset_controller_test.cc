// DaemonSet controller: placement, pod shape, expectations, replacement, status (DS-2..DS-29).
#include <algorithm>

#include "tests/unit/controllers/daemonset_test_fixture.h"

namespace tinyk8s::testing {
namespace {

using controllers::daemonset::TargetNodeName;

TEST_F(DaemonSetControllerTest, CreatesOnePinnedPodPerNode) {
  AddNodes(3);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 3u);
  std::vector<std::string> nodes;
  for (const auto& p : pods) {
    nodes.push_back(TargetNodeName(*p));
    EXPECT_EQ(api::GetString(*p, {"spec", "nodeName"}), "");  // the scheduler binds it
    EXPECT_EQ(api::Name(*p).rfind("ds-", 0), 0u);
    EXPECT_FALSE(api::Label(*p, "controller-revision-hash").empty());
    EXPECT_EQ(api::Label(*p, "pod-template-generation"), "1");
    api::OwnerReference ref;
    ASSERT_TRUE(api::GetControllerOf(*p, &ref));
    EXPECT_EQ(ref.kind, "DaemonSet");
    EXPECT_TRUE(ref.block_owner_deletion);
    const auto* tols = api::FindPath(*p, {"spec", "tolerations"});
    ASSERT_NE(tols, nullptr);
    EXPECT_EQ(tols->Size(), 6u);  // DS-8, no network-unavailable without hostNetwork
  }
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (std::vector<std::string>{"n1", "n2", "n3"}));
  // One revision, number 1, whose hash the pods carry.
  auto revs = Revisions();
  ASSERT_EQ(revs.size(), 1u);
  EXPECT_EQ(api::GetInt(*revs[0], {"revision"}), 1);
  EXPECT_EQ(api::Label(*revs[0], "controller-revision-hash"),
            api::Label(*pods[0], "controller-revision-hash"));
  auto events = Events();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const std::string& e) {
                            return e.rfind("SuccessfulCreate Created pod: ds-", 0) == 0;
                          }),
            3);
}

TEST_F(DaemonSetControllerTest, LaggingCacheNeverCreatesTwice) {
  AddNodes(2);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  ASSERT_EQ(Pods().size(), 2u);
  // The pod informer has not seen the creates: expectations hold the next syncs back.
  ASSERT_OK(Sync());
  ASSERT_OK(Sync());
  EXPECT_EQ(Pods().size(), 2u);
  CacheAll();
  ctrl_->expectations().CreationObserved("t/ds");
  ctrl_->expectations().CreationObserved("t/ds");
  ASSERT_OK(Sync());
  EXPECT_EQ(Pods().size(), 2u);
}

TEST_F(DaemonSetControllerTest, RestartWithFullCacheDoesNotDuplicate) {
  AddNodes(3);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  // A new controller (a restarted process) with a freshly listed cache.
  ctrl_.reset();
  SetUp();
  CacheAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(Pods().size(), 3u);
}

TEST_F(DaemonSetControllerTest, NodeSelectorLimitsNodes) {
  fake_.Add(client::resources::Nodes(), NodeJson("n1", R"({"ssd":"true"})"));
  fake_.Add(client::resources::Nodes(), NodeJson("n2", R"({"ssd":"true"})"));
  fake_.Add(client::resources::Nodes(), NodeJson("n3"));
  AddDs(DsJson("ds", "agent:1", "", 1,
               R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}})",
               R"("nodeSelector":{"ssd":"true"},)"));
  CacheAll();
  ASSERT_OK(Sync());
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& p : pods) EXPECT_NE(TargetNodeName(*p), "n3");
  // Status: desired 2.
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(api::GetInt(*Get(client::resources::DaemonSets(), "ds"),
                        {"status", "desiredNumberScheduled"}),
            2);
  // n1 loses the label: its pod goes (DS-15c).
  ASSERT_TRUE(fake_
                  .Patch(client::resources::Nodes(), "", "n1", client::PatchType::kMerge,
                         R"({"metadata":{"labels":{"ssd":null}}})")
                  .ok());
  ObserveAll();
  std::string n1_pod = PodOnNode("n1");
  ASSERT_OK(Sync());
  EXPECT_EQ(Get(client::resources::Pods(), n1_pod), nullptr);
  EXPECT_EQ(Pods().size(), 1u);
}

TEST_F(DaemonSetControllerTest, TaintsDecideCreateAndKeep) {
  AddNodes(2);
  fake_.Add(client::resources::Nodes(),
            NodeJson("n3", "{}", R"([{"key":"dedicated","value":"infra","effect":"NoSchedule"}])"));
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(Pods().size(), 2u);  // no pod for the NoSchedule-tainted n3
  EXPECT_EQ(PodOnNode("n3"), "");
  // Cordoned nodes and memory pressure are tolerated automatically (DS-7, AT-15c).
  fake_.Add(
      client::resources::Nodes(),
      NodeJson(
          "n4", "{}",
          R"([{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"},{"key":"node.kubernetes.io/memory-pressure","effect":"NoSchedule"}])"));
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_NE(PodOnNode("n4"), "");
  // A pod already on a node that gets a NoSchedule taint stays and is misscheduled (DS-6).
  ASSERT_TRUE(
      fake_
          .Patch(
              client::resources::Nodes(), "", "n1", client::PatchType::kMerge,
              R"({"spec":{"taints":[{"key":"dedicated","value":"infra","effect":"NoSchedule"}]}})")
          .ok());
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_NE(PodOnNode("n1"), "");
  ObserveAll();
  ASSERT_OK(Sync());
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(api::GetInt(*ds, {"status", "numberMisscheduled"}), 1);
  EXPECT_EQ(api::GetInt(*ds, {"status", "desiredNumberScheduled"}), 2);
  // NoExecute evicts it.
  ASSERT_TRUE(
      fake_
          .Patch(
              client::resources::Nodes(), "", "n1", client::PatchType::kMerge,
              R"({"spec":{"taints":[{"key":"dedicated","value":"infra","effect":"NoExecute"}]}})")
          .ok());
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(PodOnNode("n1"), "");
}

TEST_F(DaemonSetControllerTest, DeletedPodIsReplaced) {
  AddNodes(2);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  std::string old = PodOnNode("n2");
  ASSERT_TRUE(fake_.Delete(client::resources::Pods(), "t", old).ok());
  ObserveAll();
  ASSERT_OK(Sync());
  std::string now = PodOnNode("n2");
  EXPECT_FALSE(now.empty());
  EXPECT_NE(now, old);
  EXPECT_EQ(Pods().size(), 2u);
}

TEST_F(DaemonSetControllerTest, FailedPodIsDeletedWithBackoff) {
  AddNodes(1);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  RunAllPods();
  std::string failed = PodOnNode("n1");
  ASSERT_TRUE(fake_
                  .Patch(client::resources::Pods(), "t", failed, client::PatchType::kMerge,
                         R"({"status":{"phase":"Failed"}})", "status")
                  .ok());
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(Get(client::resources::Pods(), failed), nullptr);
  auto events = Events();
  EXPECT_NE(std::find(events.begin(), events.end(),
                      "FailedDaemonPod Found failed daemon pod t/" + failed +
                          " on node n1, will try to kill it"),
            events.end());
  // The replacement fails at once too: within the backoff window it is kept (DS-22).
  ObserveAll();
  ASSERT_OK(Sync());
  std::string second = PodOnNode("n1");
  ASSERT_FALSE(second.empty());
  ASSERT_TRUE(fake_
                  .Patch(client::resources::Pods(), "t", second, client::PatchType::kMerge,
                         R"({"status":{"phase":"Failed"}})", "status")
                  .ok());
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_NE(Get(client::resources::Pods(), second), nullptr);
  clock_.Advance(std::chrono::seconds(3));
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(Get(client::resources::Pods(), second), nullptr);
}

TEST_F(DaemonSetControllerTest, DuplicatePodsKeepTheOldest) {
  AddNodes(1);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  RunAllPods();
  std::string first = PodOnNode("n1");
  // A second pod for n1 (as a lagging cache upstream could have made).
  auto pod = Get(client::resources::Pods(), first);
  rapidjson::Document d = api::CloneDocument(*pod);
  auto& a = d.GetAllocator();
  api::SetString(*api::FindPathMutable(d, {"metadata"}), "name", "ds-dup", a);
  api::SetString(*api::FindPathMutable(d, {"metadata"}), "creationTimestamp",
                 "2099-06-01T00:00:00Z", a);
  api::RemoveMember(*api::FindPathMutable(d, {"metadata"}), "resourceVersion");
  fake_.Add(client::resources::Pods(), d);
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(Get(client::resources::Pods(), "ds-dup"), nullptr);
  EXPECT_NE(Get(client::resources::Pods(), first), nullptr);
}

TEST_F(DaemonSetControllerTest, StatusCountsLikeUpstream) {
  AddNodes(3);
  AddDs(DsJson("ds"));
  CacheAll();
  ASSERT_OK(Sync());
  RunAllPods();
  ObserveAll();
  ASSERT_OK(Sync());
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(
      api::ToJsonSorted(*api::FindPath(*ds, {"status"})),
      R"({"currentNumberScheduled":3,"desiredNumberScheduled":3,"numberAvailable":3,)"
      R"("numberMisscheduled":0,"numberReady":3,"observedGeneration":1,"updatedNumberScheduled":3})");
}

TEST_F(DaemonSetControllerTest, StatusKeepsConditionsAndSkipsObservedGenerationWhileExpecting) {
  AddNodes(2);
  AddDs(DsJson("ds", "agent:1", "", 2));
  ASSERT_TRUE(fake_
                  .Patch(client::resources::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"status":{"conditions":[{"type":"StatusPatched","status":"True"}]}})",
                         "status")
                  .ok());
  CacheAll();
  ASSERT_OK(Sync());  // creates 2, status with observedGeneration
  CacheAll();         // cache sees pods but expectations are still pending
  ctrl_->expectations().SetExpectations("t/ds", 1, 0);
  ASSERT_TRUE(fake_
                  .Patch(client::resources::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"metadata":{"generation":3}})")
                  .ok());
  CacheAll();
  ASSERT_OK(Sync());
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(api::GetInt(*ds, {"status", "observedGeneration"}), 2);
  ASSERT_NE(api::FindPath(*ds, {"status", "conditions"}), nullptr);
  EXPECT_EQ(api::FindPath(*ds, {"status", "conditions"})->Size(), 1u);
}

TEST_F(DaemonSetControllerTest, DeletingDaemonSetIsLeftAlone) {
  AddNodes(2);
  AddDs(DsJson("ds"));
  ASSERT_TRUE(fake_
                  .Patch(client::resources::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":["foregroundDeletion"]}})")
                  .ok());
  ASSERT_TRUE(fake_.Delete(client::resources::DaemonSets(), "t", "ds").ok());
  CacheAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_TRUE(Writes(fake_).empty());
}

TEST_F(DaemonSetControllerTest, OrphanPodsAreAdopted) {
  AddNodes(1);
  // OnDelete: the adopted pod (old template hash, not ready) is not rolled.
  AddDs(DsJson("ds", "agent:1", "", 1, R"({"type":"OnDelete"})"));
  fake_.Add(
      client::resources::Pods(),
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"orphan","namespace":"t","labels":{"app":"ds"},"creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"agent:1"}]}})");
  CacheAll();
  ASSERT_OK(Sync());
  auto pod = Get(client::resources::Pods(), "orphan");
  ASSERT_NE(pod, nullptr);
  api::OwnerReference ref;
  ASSERT_TRUE(api::GetControllerOf(*pod, &ref));
  EXPECT_EQ(ref.uid, "uid-ds");
  EXPECT_EQ(Pods().size(), 1u);  // adopted pod counts; nothing created
}

}  // namespace
}  // namespace tinyk8s::testing
