// Pod GC: pods on deleted nodes, unscheduled terminating pods, terminated pods (GC-6).
#include "controllers/podgc/pod_gc_controller.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

namespace res = client::resources;

std::string PodJson(const std::string& name, const std::string& node, const std::string& phase,
                    const std::string& created = "2024-01-01T00:00:00Z") {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","namespace":"t","creationTimestamp":")" + created + R"("},"spec":{"nodeName":")" +
         node + R"("},"status":{"phase":")" + phase + R"("}})";
}

TEST(PodGcTest, PodsOnDeletedNodesGoAfterQuarantine) {
  FakeClient fake;
  FakeClock clock;
  client::SharedInformerFactory factory(fake);
  controllers::podgc::PodGcController ctrl(fake, factory, clock);
  fake.Add(res::Nodes(), NodeJson("n1"));
  fake.Add(res::Pods(), PodJson("alive", "n1", "Running"));
  fake.Add(res::Pods(), PodJson("orphan", "gone", "Running"));
  CacheFrom(fake, factory.ForResource(res::Nodes()));
  CacheFrom(fake, factory.ForResource(res::Pods()));
  ASSERT_TRUE(ctrl.Sync().ok());
  EXPECT_TRUE(fake.Get(res::Pods(), "t", "orphan").ok());  // quarantine
  clock.Advance(std::chrono::seconds(41));
  ASSERT_TRUE(ctrl.Sync().ok());
  EXPECT_FALSE(fake.Get(res::Pods(), "t", "orphan").ok());
  EXPECT_TRUE(fake.Get(res::Pods(), "t", "alive").ok());
}

TEST(PodGcTest, TerminatedPodsBeyondThresholdOldestFirst) {
  FakeClient fake;
  FakeClock clock;
  client::SharedInformerFactory factory(fake);
  controllers::podgc::PodGcOptions o;
  o.terminated_pod_threshold = 1;
  controllers::podgc::PodGcController ctrl(fake, factory, clock, o);
  fake.Add(res::Nodes(), NodeJson("n1"));
  fake.Add(res::Pods(), PodJson("old", "n1", "Failed", "2024-01-01T00:00:00Z"));
  fake.Add(res::Pods(), PodJson("new", "n1", "Succeeded", "2024-01-02T00:00:00Z"));
  fake.Add(res::Pods(), PodJson("running", "n1", "Running"));
  CacheFrom(fake, factory.ForResource(res::Nodes()));
  CacheFrom(fake, factory.ForResource(res::Pods()));
  ASSERT_TRUE(ctrl.Sync().ok());
  EXPECT_FALSE(fake.Get(res::Pods(), "t", "old").ok());
  EXPECT_TRUE(fake.Get(res::Pods(), "t", "new").ok());
  EXPECT_TRUE(fake.Get(res::Pods(), "t", "running").ok());
}

}  // namespace
}  // namespace tinyk8s::testing
