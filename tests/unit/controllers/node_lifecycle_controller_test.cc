// Node lifecycle: heartbeat loss, condition taints, NoExecute eviction (NODE-3..NODE-5).
#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include "controllers/cache_trimming.h"
#include "controllers/util/pod_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

namespace res = client::resources;
using controllers::NodeTaints;

class NodeLifecycleTest : public ::testing::Test {
 protected:
  // CacheAll plays the informers of the controller manager: nodes and pods are cached as its
  // transforms trim them (cache_trimming.h), so the controller works from what it keeps.
  void CacheAll() {
    CacheFrom(fake_, factory_.ForResource(res::Leases()));
    CacheTrimmed(res::Nodes(), controllers::TrimNodeForControllers);
    CacheTrimmed(res::Pods(), controllers::TrimPodForControllers);
  }
  void CacheTrimmed(const client::Resource& r, void (*trim)(rapidjson::Value&)) {
    auto list = fake_.List(r, "");
    ASSERT_TRUE(list.ok());
    std::vector<client::ObjectPtr> trimmed;
    for (const auto& obj : list->items) {
      auto copy = std::make_shared<rapidjson::Document>(api::CloneDocument(*obj));
      trim(*copy);
      trimmed.push_back(std::move(copy));
    }
    factory_.ForResource(r).GetIndexerForTest().Replace(std::move(trimmed));
  }
  std::string Taints(const std::string& node) {
    auto n = fake_.Get(res::Nodes(), "", node);
    std::string out;
    for (const auto& t : NodeTaints(**n)) out += t.key + ":" + t.effect + " ";
    return out;
  }
  void AddPod(const std::string& name, const std::string& tolerations) {
    fake_.Add(res::Pods(), R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                               R"(","namespace":"t"},"spec":{"nodeName":"n1","tolerations":)" +
                               tolerations + R"(},"status":{"phase":"Running"}})");
  }

  // The node as a kubelet writes it: more status than the controller manager caches.
  void AddNode(const std::string& name) {
    fake_.Add(res::Nodes(), R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
                                R"("},"spec":{},"status":{"capacity":{"cpu":"4"},)"
                                R"("nodeInfo":{"kubeletVersion":"v1.32.0"},"conditions":[)"
                                R"({"type":"Ready","status":"True","reason":"KubeletReady",)"
                                R"("lastHeartbeatTime":"2024-01-01T00:00:00Z",)"
                                R"("lastTransitionTime":"2024-01-01T00:00:00Z"}]}})");
  }
  // Condition renders "status reason lastHeartbeatTime lastTransitionTime" of one condition.
  static std::string Condition(const rapidjson::Value& obj, const std::string& type) {
    for (const auto& c : api::FindPath(obj, {"status", "conditions"})->GetArray()) {
      if (api::GetString(c, {"type"}) != type) continue;
      return api::GetString(c, {"status"}) + " " + api::GetString(c, {"reason"}) + " " +
             api::GetString(c, {"lastHeartbeatTime"}) + " " +
             api::GetString(c, {"lastTransitionTime"});
    }
    return "<none>";
  }

  FakeClient fake_;
  FakeClock clock_;
  client::SharedInformerFactory factory_{fake_};
  controllers::nodelifecycle::NodeLifecycleController ctrl_{fake_, factory_, nullptr, clock_};
};

TEST_F(NodeLifecycleTest, LostHeartbeatMakesNodeUnknownAndUnreachable) {
  AddNode("n1");
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_EQ(Taints("n1"), "");
  clock_.Advance(std::chrono::seconds(41));
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  auto n = fake_.Get(res::Nodes(), "", "n1");
  EXPECT_EQ(controllers::NodeReadyStatus(**n), "Unknown");
  // A patch of the conditions, not the cached (trimmed) node sent back: the rest of the status
  // and the Ready condition's heartbeat stay as the kubelet wrote them.
  EXPECT_EQ(Writes(fake_), (std::vector<std::string>{"patch nodes/status n1"}));
  EXPECT_EQ(api::GetString(**n, {"status", "nodeInfo", "kubeletVersion"}), "v1.32.0");
  EXPECT_EQ(Condition(**n, "Ready"),
            "Unknown NodeStatusUnknown 2024-01-01T00:00:00Z 2024-01-01T00:00:41Z");
  EXPECT_EQ(Condition(**n, "MemoryPressure"),
            "Unknown NodeStatusNeverUpdated 2024-01-01T00:00:41Z 2024-01-01T00:00:41Z");
  fake_.ClearActions();
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_EQ(Taints("n1"),
            "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute ");
  EXPECT_EQ(Writes(fake_), (std::vector<std::string>{"patch nodes n1"}));
  // Back: the kubelet posts Ready=True again; the taints go.
  ASSERT_TRUE(
      fake_
          .Patch(
              res::Nodes(), "", "n1", client::PatchType::kMerge,
              R"({"status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2024-01-01T00:01:00Z"}]}})",
              "status")
          .ok());
  CacheAll();
  // The cache update is what a watch event would have observed.
  auto node = fake_.Get(res::Nodes(), "", "n1");
  ASSERT_TRUE(ctrl_.Sync("n1").ok());  // still stale by our clock: not re-marked (already True)
}

TEST_F(NodeLifecycleTest, ConditionsAndCordonDriveTaints) {
  fake_.Add(res::Nodes(), NodeJson("n1", "{}", "[]", "False"));
  ASSERT_TRUE(fake_
                  .Patch(res::Nodes(), "", "n1", client::PatchType::kMerge,
                         R"({"spec":{"unschedulable":true}})")
                  .ok());
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_EQ(Taints("n1"),
            "node.kubernetes.io/not-ready:NoSchedule node.kubernetes.io/not-ready:NoExecute "
            "node.kubernetes.io/unschedulable:NoSchedule ");
}

TEST_F(NodeLifecycleTest, NoExecuteEvictionHonoursTolerationSeconds) {
  fake_.Add(
      res::Nodes(),
      NodeJson(
          "n1", "{}",
          R"([{"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":"2024-01-01T00:00:00Z"}])",
          "Unknown"));
  AddPod("plain", "[]");
  AddPod("daemon",
         R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"}])");
  AddPod(
      "patient",
      R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":60}])");
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_FALSE(fake_.Get(res::Pods(), "t", "plain").ok());
  EXPECT_TRUE(fake_.Get(res::Pods(), "t", "daemon").ok());
  EXPECT_TRUE(fake_.Get(res::Pods(), "t", "patient").ok());
  clock_.Advance(std::chrono::seconds(61));
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_FALSE(fake_.Get(res::Pods(), "t", "patient").ok());
  EXPECT_TRUE(fake_.Get(res::Pods(), "t", "daemon").ok());
}

TEST_F(NodeLifecycleTest, LostHeartbeatMarksPodsNotReadyWithAStatusPatch) {
  AddNode("n1");
  fake_.Add(res::Pods(), R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web",
    "namespace":"t"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]},
    "status":{"phase":"Running","podIP":"10.0.0.5","containerStatuses":[{"name":"c","ready":true}],
    "conditions":[{"type":"PodScheduled","status":"True"},
                  {"type":"Ready","status":"True","lastTransitionTime":"2024-01-01T00:00:00Z"}]}})");
  CacheAll();
  ASSERT_OK(ctrl_.Sync("n1"));
  clock_.Advance(std::chrono::seconds(41));
  ASSERT_OK(ctrl_.Sync("n1"));
  EXPECT_EQ(Writes(fake_),
            (std::vector<std::string>{"patch nodes/status n1", "patch pods/status t/web"}));
  auto pod = fake_.Get(res::Pods(), "t", "web");
  ASSERT_TRUE(pod.ok());
  EXPECT_FALSE(controllers::IsPodReady(**pod));
  EXPECT_EQ(Condition(**pod, "Ready"), "False   2024-01-01T00:00:41Z");
  EXPECT_EQ(Condition(**pod, "PodScheduled"), "True   ");
  // What the trimmed cache lacks is still on the server.
  EXPECT_EQ(api::GetString((*pod->get())["spec"]["containers"][0], {"image"}), "nginx");
  EXPECT_TRUE(api::FindPath(**pod, {"status", "containerStatuses"}) != nullptr);
}

TEST_F(NodeLifecycleTest, TaintPatchIsGuardedByTheResourceVersionRead) {
  fake_.Add(res::Nodes(), NodeJson("n1", "{}", "[]", "False"));
  CacheAll();
  // A user taints the node after the cache saw it: the patch computed from the cache conflicts
  // instead of dropping the user's taint.
  ASSERT_TRUE(fake_
                  .Patch(res::Nodes(), "", "n1", client::PatchType::kMerge,
                         R"({"spec":{"taints":[{"key":"team","effect":"NoSchedule"}]}})")
                  .ok());
  EXPECT_EQ(ctrl_.Sync("n1").code(), StatusCode::kConflict);
  EXPECT_EQ(Taints("n1"), "team:NoSchedule ");
  CacheAll();
  ASSERT_OK(ctrl_.Sync("n1"));
  EXPECT_EQ(Taints("n1"),
            "team:NoSchedule node.kubernetes.io/not-ready:NoSchedule "
            "node.kubernetes.io/not-ready:NoExecute ");
}

}  // namespace
}  // namespace tinyk8s::testing
