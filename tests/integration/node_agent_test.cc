// End-to-end: simulated nodes (tinyk8s nodes / server --nodes) seen through kubectl.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

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

// Issue #8: pods show the resolv.conf the kubelet would give them, with the kube-dns Service's
// ClusterIP as nameserver; `kubectl get svc -n kube-system` shows that Service like upstream.
TEST_F(NodeAgentTest, PodsShowTheirDnsConfiguration) {
  cluster_ = std::make_unique<TestCluster>(
      std::vector<std::string>{"--nodes", "1", "--disable", "scheduler,controllers"});
  ASSERT_TRUE(cluster_->ok());
  auto svc = K({"get", "svc", "-n", "kube-system", "kube-dns", "--no-headers"});
  ASSERT_EQ(svc.exit_code, 0) << svc.err;
  EXPECT_NE(svc.out.find("ClusterIP   10.43.0.10"), std::string::npos) << svc.out;
  EXPECT_NE(svc.out.find("53/UDP,53/TCP,9153/TCP"), std::string::npos) << svc.out;

  const std::string pods = R"(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  nodeName: node01
  containers: [{name: web, image: nginx:1.25}]
---
apiVersion: v1
kind: Pod
metadata: {name: custom, namespace: default}
spec:
  nodeName: node01
  dnsPolicy: None
  dnsConfig:
    nameservers: [1.2.3.4]
    searches: [my.dns.search]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers: [{name: web, image: nginx:1.25}]
)";
  auto applied = cluster_->Kubectl({"apply", "-f", "-"}, pods);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string annotation = "jsonpath={.metadata.annotations.tinyk8s\\.io/resolv-conf}";
  ASSERT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "web", "-o", "jsonpath={.status.phase}"}) == "Running" &&
           Get({"get", "pod", "custom", "-o", "jsonpath={.status.phase}"}) == "Running";
  })) << Get({"get", "pods"});
  std::string web = Get({"get", "pod", "web", "-o", annotation});
  EXPECT_EQ(web.rfind("nameserver 10.43.0.10\n"
                      "search default.svc.cluster.local svc.cluster.local cluster.local",
                      0),
            0u)
      << web;
  EXPECT_NE(web.find("\noptions ndots:5\n"), std::string::npos) << web;
  EXPECT_EQ(Get({"get", "pod", "custom", "-o", annotation}),
            "nameserver 1.2.3.4\nsearch my.dns.search\noptions ndots:2 edns0\n");
}

}  // namespace
}  // namespace tinyk8s::testing
