// Namespace controller: empty, then finalize (NS-1).
#include "controllers/namespace/namespace_controller.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/controllers/test_util.h"

namespace tinyk8s::testing {
namespace {

namespace res = client::resources;

TEST(NamespaceControllerTest, DeletesContentThenFinalizes) {
  FakeClient fake;
  FakeClock clock;
  client::SharedInformerFactory factory(fake);
  controllers::ns::NamespaceController ctrl(fake, factory, clock);
  // (metadata.finalizers only keep FakeClient from dropping the terminating namespace on write;
  // the real server keeps it for spec.finalizers.)
  fake.Add(
      res::Namespaces(),
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"t","finalizers":["test/keep"],"deletionTimestamp":"2024-01-01T00:00:00Z"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating"}})");
  fake.Add(res::ConfigMaps(),
           R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"t"}})");
  fake.Add(
      res::Pods(),
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"held","namespace":"t","finalizers":["x/y"]},"spec":{}})");
  ASSERT_TRUE(ctrl.Sync("t").ok());
  // The configmap is gone; the pod is terminating (held by its finalizer): no finalize yet.
  EXPECT_FALSE(fake.Get(res::ConfigMaps(), "t", "c").ok());
  EXPECT_EQ(CountPrefix(fake.WriteActions(), "update namespaces/finalize"), 0);
  EXPECT_EQ(CountPrefix(fake.WriteActions(), "update namespaces/status"), 1);
  ASSERT_TRUE(fake.Patch(res::Pods(), "t", "held", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":null}})")
                  .ok());
  ASSERT_TRUE(ctrl.Sync("t").ok());
  EXPECT_EQ(CountPrefix(fake.WriteActions(), "update namespaces/finalize"), 1);
}

TEST(NamespaceControllerTest, LiveNamespaceIsUntouched) {
  FakeClient fake;
  FakeClock clock;
  client::SharedInformerFactory factory(fake);
  controllers::ns::NamespaceController ctrl(fake, factory, clock);
  fake.Add(
      res::Namespaces(),
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"t"},"spec":{"finalizers":["kubernetes"]}})");
  fake.Add(res::ConfigMaps(),
           R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"t"}})");
  ASSERT_TRUE(ctrl.Sync("t").ok());
  EXPECT_TRUE(fake.Get(res::ConfigMaps(), "t", "c").ok());
  EXPECT_TRUE(fake.WriteActions().empty());
}

}  // namespace
}  // namespace tinyk8s::testing
