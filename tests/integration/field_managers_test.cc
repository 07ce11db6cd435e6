// End-to-end: the co-processes' writes show in managedFields under upstream's component names
// (kube-scheduler, kubelet, kube-controller-manager), derived by the API server from their
// User-Agents as upstream derives them, seen through kubectl 1.32 --show-managed-fields.
#include <gtest/gtest.h>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

class FieldManagersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
    cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{"--nodes", "2"});
    ASSERT_TRUE(cluster_->ok());
  }
  CommandResult K(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    return cluster_->Kubectl(args, stdin_data);
  }
  // Get is one jsonpath of one object.
  std::string Get(const std::vector<std::string>& object, const std::string& jsonpath) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), object.begin(), object.end());
    args.insert(args.end(), {"-o", "jsonpath=" + jsonpath});
    return K(args).out;
  }
  // Entry is "operation subresource" of `manager`'s managedFields entries ("" when it has none).
  std::string Entry(const std::vector<std::string>& object, const std::string& manager) {
    return Get(object, "{range .metadata.managedFields[?(@.manager==\"" + manager +
                           "\")]}{.operation} {.subresource}{end}");
  }
  // Yaml is the object as `kubectl get -o yaml --show-managed-fields` shows it.
  std::string Yaml(const std::vector<std::string>& object) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), object.begin(), object.end());
    args.insert(args.end(), {"-o", "yaml", "--show-managed-fields"});
    return K(args).out;
  }
  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(FieldManagersTest, CoProcessesWriteUnderUpstreamComponentNames) {
  ASSERT_TRUE(WaitFor([&] {
    return Get({"nodes"}, "{.items[*].metadata.name}") == "node01 node02";
  })) << K({"get", "nodes"}).out;

  // The scheduler reports a pod it cannot place (PodScheduled=False) through pods/status: the
  // PodScheduled condition is kube-scheduler's, as upstream's.
  const std::vector<std::string> pod = {"pod", "waiter"};
  auto created = K({"create", "-f", "-"}, R"(apiVersion: v1
kind: Pod
metadata:
  name: waiter
spec:
  nodeSelector:
    disk: ssd
  containers:
  - name: c
    image: registry.local/app:1.0
)");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(WaitFor([&] { return Entry(pod, "kube-scheduler") == "Update status"; }))
      << Yaml(pod);
  EXPECT_TRUE(Has(Get(pod, "{.metadata.managedFields[?(@.manager==\"kube-scheduler\")].fieldsV1}"),
                  R"(k:{\"type\":\"PodScheduled\"})"))
      << Yaml(pod);
  EXPECT_EQ(Entry(pod, "kubectl-create"), "Update ");

  // Once a node fits, the binding (not tracked, as upstream's) places it and the kubelet writes
  // its status.
  ASSERT_EQ(K({"label", "node", "node01", "disk=ssd"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return Get(pod, "{.status.phase}") == "Running"; })) << Yaml(pod);
  ASSERT_TRUE(WaitFor([&] { return Entry(pod, "kubelet") == "Update status"; })) << Yaml(pod);
  std::string pod_yaml = Yaml(pod);
  EXPECT_TRUE(Has(pod_yaml, "manager: kubelet\n")) << pod_yaml;
  EXPECT_TRUE(Has(pod_yaml, "manager: kube-scheduler\n")) << pod_yaml;
  EXPECT_FALSE(Has(pod_yaml, "tinyk8s-")) << pod_yaml;

  // Node status: a node nobody else has written carries no managedFields here (untracked
  // creates, apiserver/managed_fields.cc); once kubectl has, the node agent's status update is
  // the kubelet's.
  const std::vector<std::string> node = {"node", "node02"};
  ASSERT_EQ(K({"annotate", "node", "node02", "tinyk8s.io/ready=false"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return Entry(node, "kubelet") == "Update status"; })) << Yaml(node);
  EXPECT_EQ(Entry(node, "kubectl-annotate"), "Update ");
  EXPECT_TRUE(Has(Get(node, "{.metadata.managedFields[?(@.manager==\"kubelet\")].fieldsV1}"),
                  "f:conditions"))
      << Yaml(node);
  ASSERT_EQ(K({"annotate", "node", "node02", "tinyk8s.io/ready-"}).exit_code, 0);

  // The node's Lease, renewed by the kubelet (every 10 s) once kubectl has touched it.
  const std::vector<std::string> lease = {"lease", "node01", "-n", "kube-node-lease"};
  ASSERT_EQ(K({"annotate", "lease", "node01", "-n", "kube-node-lease", "touched=yes"}).exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return Entry(lease, "kubelet") == "Update "; }, 40)) << Yaml(lease);

  // DaemonSet status is the kube-controller-manager's.
  const std::vector<std::string> ds = {"ds", "fm"};
  auto ds_created = K({"create", "-f", "-"}, R"(apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fm
spec:
  selector:
    matchLabels:
      app: fm
  template:
    metadata:
      labels:
        app: fm
    spec:
      containers:
      - name: agent
        image: registry.local/agent:1.0
)");
  ASSERT_EQ(ds_created.exit_code, 0) << ds_created.err;
  ASSERT_TRUE(WaitFor([&] { return Entry(ds, "kube-controller-manager") == "Update status"; }))
      << Yaml(ds);
  std::string ds_yaml = Yaml(ds);
  EXPECT_TRUE(Has(ds_yaml, "manager: kube-controller-manager\n")) << ds_yaml;
  EXPECT_TRUE(Has(ds_yaml, "f:desiredNumberScheduled")) << ds_yaml;
  EXPECT_FALSE(Has(ds_yaml, "tinyk8s-")) << ds_yaml;

  // Event sources stay the controllers' own names (reportingController), as upstream's.
  ASSERT_TRUE(WaitFor([&] {
    return Has(Get({"events", "--field-selector", "involvedObject.kind=DaemonSet"},
                   "{.items[*].reportingComponent}"),
               "daemonset-controller");
  })) << K({"get", "events", "-o", "yaml"}).out;
}

}  // namespace
}  // namespace tinyk8s::testing
