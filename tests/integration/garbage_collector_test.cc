// End-to-end: the garbage collector co-process ends a foreground deletion through an
// ownership cycle (A owns B, B owns A, both blocking), as upstream's does.
#include <gtest/gtest.h>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

TEST(GarbageCollectorE2eTest, ForegroundDeletionThroughAnOwnershipCycleFinishes) {
  if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 not installed";
  TestCluster cluster({"--disable", "scheduler,dns"});
  ASSERT_TRUE(cluster.ok()) << "server did not start";
  auto k = [&](const std::vector<std::string>& args) { return cluster.Kubectl(args); };
  ASSERT_EQ(k({"create", "configmap", "a"}).exit_code, 0);
  ASSERT_EQ(k({"create", "configmap", "b"}).exit_code, 0);
  auto uid = [&](const std::string& name) {
    return k({"get", "configmap", name, "-o", "jsonpath={.metadata.uid}"}).out;
  };
  auto own = [&](const std::string& dependent, const std::string& owner) {
    auto r =
        k({"patch", "configmap", dependent, "--type=merge", "-p",
           R"({"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":")" +
               owner + R"(","uid":")" + uid(owner) + R"(","blockOwnerDeletion":true}]}})"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  own("a", "b");
  own("b", "a");
  // kubectl waits until "a" is gone; a collector stuck in the cycle would keep it forever.
  auto deleted =
      cluster.Kubectl("1.32", {"delete", "configmap", "a", "--cascade=foreground"}, "", 60);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_TRUE(WaitFor(
      [&] {
        return k({"get", "configmaps", "-o", "name"}).out.find("configmap/b") == std::string::npos;
      },
      30))
      << k({"get", "configmaps", "-o", "yaml"}).out;
  EXPECT_EQ(k({"get", "configmap", "a"}).exit_code, 1);
  EXPECT_EQ(cluster.Stop(), 0);
}

}  // namespace
}  // namespace tinyk8s::testing
