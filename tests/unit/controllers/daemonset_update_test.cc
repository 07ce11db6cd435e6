// DaemonSet rolling update, OnDelete and revision history (DS-30..DS-45).
#include <algorithm>
#include <set>

#include "tests/unit/controllers/daemonset_test_fixture.h"

namespace tinyk8s::testing {
namespace {

constexpr const char* kHash = "controller-revision-hash";

class DaemonSetUpdateTest : public DaemonSetControllerTest {
 protected:
  // Runs `ds` to completion on `nodes` nodes: created, bound, ready, status written.
  void RollOut(int nodes, const std::string& ds_json) {
    AddNodes(nodes);
    AddDs(ds_json);
    CacheAll();
    ASSERT_OK(Sync());
    RunAllPods();
    ObserveAll();
    ASSERT_OK(Sync());
  }
  // A template change as the API server makes it: new image, generation + annotation bumped.
  void SetImage(const std::string& image, int64_t generation) {
    std::string patch = R"({"metadata":{"generation":)" + std::to_string(generation) +
                        R"(,"annotations":{"deprecated.daemonset.template.generation":")" +
                        std::to_string(generation) +
                        R"("}},"spec":{"template":{"spec":{"containers":[{"name":"c","image":")" +
                        image + R"("}]}}}})";
    ASSERT_TRUE(
        fake_
            .Patch(client::resources::DaemonSets(), "t", "ds", client::PatchType::kStrategic, patch)
            .ok());
  }
  int CountDeletes() { return CountPrefix(Writes(fake_), "delete pods"); }
  std::string CurrentHash() {
    std::string hash;
    int64_t best = -1;
    for (const auto& r : Revisions()) {
      if (api::GetInt(*r, {"revision"}) > best) {
        best = api::GetInt(*r, {"revision"});
        hash = api::Label(*r, kHash);
      }
    }
    return hash;
  }
};

TEST_F(DaemonSetUpdateTest, MaxUnavailableBoundsDeletes) {
  RollOut(4,
          DsJson("ds", "agent:1", "", 1,
                 R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2,"maxSurge":0}})"));
  SetImage("agent:2", 2);
  CacheAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 2);
  EXPECT_EQ(Revisions().size(), 2u);
  // Nothing more while the replacements are not available.
  ObserveAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());  // manage creates the 2 new pods
  EXPECT_EQ(CountPrefix(Writes(fake_), "create pods"), 2);
  EXPECT_EQ(CountDeletes(), 0);
  ObserveAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 0);  // the new pods are not ready: budget used up
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(api::GetInt(*ds, {"status", "updatedNumberScheduled"}), 2);
  EXPECT_EQ(api::GetInt(*ds, {"status", "observedGeneration"}), 2);
}

TEST_F(DaemonSetUpdateTest, PercentMaxUnavailableRoundsUp) {
  RollOut(
      3,
      DsJson("ds", "agent:1", "", 1,
             R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"50%","maxSurge":0}})"));
  SetImage("agent:2", 2);
  CacheAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 2);
}

TEST_F(DaemonSetUpdateTest, MinReadySecondsHoldsTheRollout) {
  RollOut(2, DsJson("ds", R"(agent:1)", R"("minReadySeconds":30,)"));
  SetImage("agent:2", 2);
  CacheAll();
  ASSERT_OK(Sync());  // one old pod deleted
  ObserveAll();
  ASSERT_OK(Sync());  // its replacement created
  // The new pod is ready since "now": not available for 30 s.
  RunAllPods("2024-01-01T00:00:00Z", /*only_new=*/true);
  ObserveAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 0);
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(api::GetInt(*ds, {"status", "numberReady"}), 2);
  EXPECT_EQ(api::GetInt(*ds, {"status", "numberAvailable"}), 1);
  clock_.Advance(std::chrono::seconds(31));
  ObserveAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 1);
}

// A surge pod that is ready but inside minReadySeconds, next to the node's old pod, keeps the
// DaemonSet coming back: every sync asks for a requeue (the pod handler's own delayed requeue can
// be merged into an earlier one and lost, which stalled surge rollouts end to end).
TEST_F(DaemonSetUpdateTest, SurgePodInsideMinReadySecondsRequeuesEachSync) {
  RollOut(2,
          DsJson("ds", "agent:1", R"("minReadySeconds":30,)", 1,
                 R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":1}})"));
  SetImage("agent:2", 2);
  CacheAll();
  ASSERT_OK(Sync());  // one surge pod created next to an old one
  ObserveAll();
  RunAllPods("2024-01-01T00:00:00Z", /*only_new=*/true);  // ready since "now"
  ObserveAll();
  // An earlier requeue (as PacedSync or a backoff makes) replaces the handler's delayed one;
  // it fires and is drained: nothing is left waiting.
  ctrl_->queue().AddAfter({"t", "ds"}, std::chrono::milliseconds(1));
  clock_.Advance(std::chrono::milliseconds(1));
  client::ObjectKey key;
  while (ctrl_->queue().Len() > 0 && ctrl_->queue().Get(&key)) ctrl_->queue().Done(key);
  ASSERT_EQ(ctrl_->queue().NumWaiting(), 0u);
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 0);  // the surge pod is not available yet
  EXPECT_EQ(ctrl_->queue().NumWaiting(), 1u);
  clock_.Advance(std::chrono::seconds(31));
  EXPECT_EQ(ctrl_->queue().Len(), 1u);
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 1);  // now available: the old pod goes
}

TEST_F(DaemonSetUpdateTest, OnDeleteDoesNotReplacePods) {
  RollOut(3, DsJson("ds", "agent:1", "", 1, R"({"type":"OnDelete"})"));
  std::string first_hash = CurrentHash();
  SetImage("agent:2", 2);
  CacheAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 0);
  EXPECT_EQ(Revisions().size(), 2u);
  EXPECT_NE(CurrentHash(), first_hash);
  ObserveAll();
  ASSERT_OK(Sync());
  auto ds = Get(client::resources::DaemonSets(), "ds");
  EXPECT_EQ(api::GetInt(*ds, {"status", "updatedNumberScheduled"}), 0);
  EXPECT_EQ(api::GetInt(*ds, {"status", "observedGeneration"}), 2);
  // A deleted pod comes back with the new template and hash.
  std::string old = PodOnNode("n1");
  ASSERT_TRUE(fake_.Delete(client::resources::Pods(), "t", old).ok());
  ObserveAll();
  ASSERT_OK(Sync());
  auto pod = Get(client::resources::Pods(), PodOnNode("n1"));
  EXPECT_EQ(api::Label(*pod, kHash), CurrentHash());
  EXPECT_EQ(api::Label(*pod, "pod-template-generation"), "2");
}

TEST_F(DaemonSetUpdateTest, RollbackReusesAndRenumbersTheOldRevision) {
  RollOut(2, DsJson("ds"));
  std::string h1 = CurrentHash();
  std::set<std::string> old_pods = {PodOnNode("n1"), PodOnNode("n2")};
  SetImage("agent:2", 2);
  CacheAll();
  ASSERT_OK(Sync());  // revision 2; one old pod deleted
  EXPECT_NE(CurrentHash(), h1);
  // Back to the first template before the rollout finishes.
  SetImage("agent:1", 3);
  ObserveAll();
  ASSERT_OK(Sync());
  EXPECT_EQ(CurrentHash(), h1);
  auto revs = Revisions();
  ASSERT_EQ(revs.size(), 2u);
  for (const auto& r : revs) {
    if (api::Label(*r, kHash) == h1) {
      EXPECT_EQ(api::GetInt(*r, {"revision"}), 3);
    }
  }
  // The pod that never left the old hash is still there: no needless restart (DS-45).
  int kept = 0;
  for (const auto& p : Pods()) kept += old_pods.count(api::Name(*p));
  EXPECT_EQ(kept, 1);
}

TEST_F(DaemonSetUpdateTest, HistoryLimitKeepsRevisionsInUse) {
  RollOut(1, DsJson("ds", "agent:1", "", 1, R"({"type":"OnDelete"})"));
  auto ds = Get(client::resources::DaemonSets(), "ds");
  ASSERT_TRUE(fake_
                  .Patch(client::resources::DaemonSets(), "t", "ds", client::PatchType::kMerge,
                         R"({"spec":{"revisionHistoryLimit":0}})")
                  .ok());
  for (int g = 2; g <= 4; ++g) {
    SetImage("agent:" + std::to_string(g), g);
    ObserveAll();
    ASSERT_OK(Sync());
  }
  // Current (4) plus revision 1, still used by the OnDelete pod.
  EXPECT_EQ(Revisions().size(), 2u);
}

TEST_F(DaemonSetUpdateTest, SurgeCreatesBeforeDeleting) {
  RollOut(2,
          DsJson("ds", "agent:1", "", 1,
                 R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":1}})"));
  SetImage("agent:2", 2);
  CacheAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountPrefix(Writes(fake_), "create pods"), 1);
  EXPECT_EQ(CountDeletes(), 0);
  // Once the surge pod is available, the old pod on that node goes.
  RunAllPods();
  ObserveAll();
  fake_.ClearActions();
  ASSERT_OK(Sync());
  EXPECT_EQ(CountDeletes(), 1);
}

}  // namespace
}  // namespace tinyk8s::testing
