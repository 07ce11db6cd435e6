// Node lifecycle: heartbeat loss, condition taints, NoExecute eviction (NODE-3..NODE-5).
#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include "controllers/util/pod_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

namespace res = client::resources;
using controllers::NodeTaints;

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void CacheAll() {
    for (const auto* r : {&res::Nodes(), &res::Leases(), &res::Pods()}) {
      CacheFrom(fake_, factory_.ForResource(*r));
    }
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

  FakeClient fake_;
  FakeClock clock_;
  client::SharedInformerFactory factory_{fake_};
  controllers::nodelifecycle::NodeLifecycleController ctrl_{fake_, factory_, nullptr, clock_};
};

TEST_F(NodeLifecycleTest, LostHeartbeatMakesNodeUnknownAndUnreachable) {
  fake_.Add(res::Nodes(), NodeJson("n1"));
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_EQ(Taints("n1"), "");
  clock_.Advance(std::chrono::seconds(41));
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  auto n = fake_.Get(res::Nodes(), "", "n1");
  EXPECT_EQ(controllers::NodeReadyStatus(**n), "Unknown");
  CacheAll();
  ASSERT_TRUE(ctrl_.Sync("n1").ok());
  EXPECT_EQ(Taints("n1"),
            "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute ");
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

}  // namespace
}  // namespace tinyk8s::testing
