// End-to-end: simulated nodes (tinyk8s nodes / server --nodes) seen through kubectl.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

std::string Testdata(const std::string& name) {
  return std::string(TINYK8S_SOURCE_PATH) + "/tests/testdata/" + name;
}

class NodeAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) {
      GTEST_SKIP() << "kubectl 1.32 is not installed";
    }
  }
  CommandResult K(const std::vector<std::string>& args) { return cluster_->Kubectl(args); }
  std::string Get(const std::vector<std::string>& args) { return K(args).out; }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(NodeAgentTest, ServerWithThreeNodesRunsPodsAndFinishesDeletions) {
  cluster_ = std::make_unique<TestCluster>(
      std::vector<std::string>{"--nodes", "3", "--disable", "scheduler,controllers,dns"});
  ASSERT_TRUE(cluster_->ok());
  ASSERT_TRUE(WaitFor([&] {
    std::string out = Get({"get", "nodes", "--no-headers"});
    return out.find("node01   Ready") != std::string::npos &&
           out.find("node02   Ready") != std::string::npos &&
           out.find("node03   Ready") != std::string::npos;
  })) << Get({"get", "nodes"})
      << K({"get", "nodes"}).err;

  auto describe = K({"describe", "node", "node01"});
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  for (const char* want :
       {"kubernetes.io/hostname=node01", "PodCIDR:                      10.128.1.0/24",
        "KubeletReady", "HolderIdentity:  node01", "InternalIP:  172.16.0.1",
        "cpu:                4", "pods:               110"}) {
    EXPECT_NE(describe.out.find(want), std::string::npos) << "missing '" << want << "' in\n"
                                                          << describe.out;
  }

  ASSERT_EQ(K({"apply", "--validate=false", "-f", Testdata("pod-on-node01.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "web", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  EXPECT_EQ(Get({"get", "pod", "web", "-o", "jsonpath={.status.podIP}"}).rfind("10.128.1.", 0), 0u);
  EXPECT_EQ(Get({"get", "pod", "web", "-o", "jsonpath={.status.hostIP}"}), "172.16.0.1");
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "web", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"}) == "True";
  }));
  EXPECT_NE(Get({"get", "pods", "-o", "wide"}).find("1/1     Running"), std::string::npos);

  // Graceful deletion is finished by the node: kubectl delete waits and returns.
  auto del = K({"delete", "pod", "web", "--timeout=30s"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(K({"get", "pod", "web"}).exit_code, 1);

  // Fault injection: a node told to report NotReady does; a pod told to fail fails.
  EXPECT_EQ(K({"annotate", "node", "node02", "tinyk8s.io/ready=false"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "node", "node02", "--no-headers"}).find("NotReady") != std::string::npos;
  }));
  EXPECT_EQ(K({"annotate", "node", "node02", "tinyk8s.io/ready-"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "node", "node02", "--no-headers"}).find(" Ready") != std::string::npos;
  }));

  ASSERT_EQ(K({"apply", "--validate=false", "-f", Testdata("pod-on-node01.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "web", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  EXPECT_EQ(K({"annotate", "pod", "web", "tinyk8s.io/fail=true"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "web", "-o", "jsonpath={.status.phase}"}) == "Failed";
  }));
  EXPECT_NE(Get({"get", "pod", "web"}).find("Error"), std::string::npos);
}

TEST_F(NodeAgentTest, StaticPodsBecomeMirrorPods) {
  cluster_ = std::make_unique<TestCluster>(
      std::vector<std::string>{"--disable", "scheduler,controllers,dns"});
  ASSERT_TRUE(cluster_->ok());
  std::string dir = cluster_->dir() + "/manifests";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& image) {
    std::ofstream(dir + "/static-web.yaml") << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
                                               "static-web\n  namespace: kube-system\nspec:\n"
                                               "  containers:\n  - name: web\n    image: "
                                            << image << "\n";
  };
  write("nginx:1.25");
  int agent = cluster_->Spawn({"nodes", "--kubeconfig", cluster_->kubeconfig(), "--count", "2",
                               "--prefix", "edge", "--static-pod-dir", dir},
                              "nodes");
  ASSERT_GT(agent, 0);
  ASSERT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "-n", "kube-system", "static-web-edge01", "-o",
                "jsonpath={.status.phase}"}) == "Running" &&
           Get({"get", "pod", "-n", "kube-system", "static-web-edge02", "-o",
                "jsonpath={.status.phase}"}) == "Running";
  })) << Get({"get", "pods", "-A"});
  std::string mirror = Get({"get", "pod", "-n", "kube-system", "static-web-edge01", "-o",
                            "jsonpath={.metadata.annotations.kubernetes\\.io/config\\.mirror}"});
  EXPECT_FALSE(mirror.empty());
  EXPECT_EQ(
      Get({"get", "pod", "-n", "kube-system", "static-web-edge01", "-o",
           "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"}),
      "Node/edge01");

  write("nginx:1.26");  // changed file: mirror pods are replaced
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "-n", "kube-system", "static-web-edge01", "-o",
                "jsonpath={.spec.containers[0].image}"}) == "nginx:1.26";
  }));
  std::filesystem::remove(dir + "/static-web.yaml");  // removed file: mirror pods go away
  EXPECT_TRUE(WaitFor([&] {
    return K({"get", "pod", "-n", "kube-system", "static-web-edge01"}).exit_code == 1 &&
           K({"get", "pod", "-n", "kube-system", "static-web-edge02"}).exit_code == 1;
  }));
  EXPECT_EQ(cluster_->StopSpawned(agent), 0) << "node agent must exit 0 on SIGTERM";
}

}  // namespace
}  // namespace tinyk8s::testing
