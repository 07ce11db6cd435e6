// End-to-end on etcd: `tinyk8s server --storage etcd` against a 3-member etcd cluster (Debian's
// etcd, tests/support/etcd_cluster.h), driven by kubectl 1.32. One server rolls out a DaemonSet;
// two servers share one etcd: writes through one are seen through the other, both keep serving
// when an etcd member dies, and when the server holding the controller-manager leadership is
// killed the other one's controller manager takes over and finishes a rollout without creating
// a second pod on any node. The `kubernetes` Service lists every live server: a crashed one drops
// out when its lease expires, a stopped one at once. Never asserts on timing: polls with
// deadlines.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/test_cluster.h"
#include "tests/support/etcd_cluster.h"

namespace tinyk8s::testing {
namespace {

// DaemonPods summarises the pods of app=ds1 as seen through one server.
struct DaemonPods {
  bool listed = false;
  std::map<std::string, int> live_per_node;  // not terminating
  int running_with_image = 0;                // live, Running, Ready, with the wanted image
};

DaemonPods ReadDaemonPods(const TestCluster& server, const std::string& image) {
  DaemonPods pods;
  auto result = server.Kubectl(
      {"get", "pods", "-l", "app=ds1", "-o",
       "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} "
       "{.status.conditions[?(@.type==\"Ready\")].status} {.spec.containers[0].image} "
       "{.metadata.deletionTimestamp}{\"\\n\"}{end}"});
  if (result.exit_code != 0) return pods;
  pods.listed = true;
  for (const std::string& row : SplitLines(result.out)) {
    std::istringstream in(row);
    std::string node, phase, ready, img, deleting;
    in >> node >> phase >> ready >> img >> deleting;
    if (!deleting.empty()) continue;
    pods.live_per_node[node]++;
    if (phase == "Running" && ready == "True" && img == image) pods.running_with_image++;
  }
  return pods;
}

std::vector<std::string> EtcdServerArgs(const EtcdCluster& etcd, int nodes) {
  return {"--storage", "etcd",    "--etcd-endpoints",    etcd.Endpoints(), "--etcd-prefix",
          "/tinyk8s",  "--nodes", std::to_string(nodes), "--disable",      "dns"};
}

// KubernetesEndpoints reads the `kubernetes` Service's endpoints through one server:
// "ip:port" of every address in its Endpoints, and (slices) in its EndpointSlices.
std::set<std::string> KubernetesEndpoints(const TestCluster& server, bool slices) {
  auto result =
      slices ? server.Kubectl({"get", "endpointslices", "-l",
                               "kubernetes.io/service-name=kubernetes", "-o",
                               "jsonpath={range .items[*]}{range .endpoints[*]}{.addresses[0]} "
                               "{end}:{.ports[0].port}{\"\\n\"}{end}"})
             : server.Kubectl({"get", "endpoints", "kubernetes", "-o",
                               "jsonpath={range .subsets[*]}{range .addresses[*]}{.ip} "
                               "{end}:{.ports[0].port}{\"\\n\"}{end}"});
  std::set<std::string> out;
  if (result.exit_code != 0) return {"error: " + result.err};
  for (const std::string& row : SplitLines(result.out)) {
    // "ip ip ... :port"
    size_t colon = row.rfind(':');
    std::istringstream ips(row.substr(0, colon));
    for (std::string ip; ips >> ip;) out.insert(ip + row.substr(colon));
  }
  return out;
}

bool ListsExactly(const TestCluster& server, const std::set<std::string>& servers) {
  return KubernetesEndpoints(server, false) == servers &&
         KubernetesEndpoints(server, true) == servers;
}

class EtcdE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) GTEST_SKIP() << "kubectl 1.32 is not installed";
    ASSERT_TRUE(EtcdCluster::Available()) << "etcd is not installed: run scripts/install-deps.sh";
    etcd_ = std::make_unique<EtcdCluster>(3);
    ASSERT_TRUE(etcd_->ok()) << etcd_->error();
  }
  std::unique_ptr<EtcdCluster> etcd_;
};

TEST_F(EtcdE2eTest, ServerOnEtcdRollsOutADaemonSet) {
  TestCluster server(EtcdServerArgs(*etcd_, 3));
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        return SplitLines(server.Kubectl({"get", "nodes", "--no-headers"}).out).size() == 3;
      },
      60));
  auto applied = server.Kubectl({"apply", "-f", Testdata("ds1.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(WaitFor(
      [&] {
        DaemonPods pods = ReadDaemonPods(server, "registry.local/agent:1.0");
        return pods.running_with_image == 3 && pods.live_per_node.size() == 3;
      },
      90));
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(EtcdE2eTest, TwoServersShareOneEtcdAndHandOverLeadership) {
  // The first server's controller manager takes the lease before the second server starts.
  TestCluster first(EtcdServerArgs(*etcd_, 0));
  ASSERT_TRUE(first.ok());
  const std::string first_cm_log = first.dir() + "/data/coprocesses/controller-manager.log";
  ASSERT_TRUE(WaitFor(
      [&] { return ReadFile(first_cm_log).find("became leader") != std::string::npos; }, 60));
  TestCluster second(EtcdServerArgs(*etcd_, 0));
  ASSERT_TRUE(second.ok());
  const std::string second_cm_log = second.dir() + "/data/coprocesses/controller-manager.log";
  // The simulated nodes talk to the server that survives.
  second.Spawn({"nodes", "--kubeconfig", second.kubeconfig(), "--count", "3", "--prefix", "node"},
               "nodes");
  ASSERT_TRUE(WaitFor(
      [&] {
        return SplitLines(first.Kubectl({"get", "nodes", "--no-headers"}).out).size() == 3;
      },
      60));

  // Applied through the first server, rolled out by its controller manager, observed through
  // the second.
  auto applied = first.Kubectl({"apply", "-f", Testdata("ds1.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(WaitFor(
      [&] {
        DaemonPods pods = ReadDaemonPods(second, "registry.local/agent:1.0");
        return pods.running_with_image == 3 && pods.live_per_node.size() == 3;
      },
      90));

  // Services created through both servers at once get distinct ClusterIPs and NodePorts.
  auto create_services = [](const TestCluster* server, const std::string& prefix) {
    for (int i = 0; i < 4; ++i) {
      server->Kubectl({"create", "service", "nodeport", prefix + std::to_string(i), "--tcp=80"});
    }
  };
  std::thread through_first(create_services, &first, "one");
  std::thread through_second(create_services, &second, "two");
  through_first.join();
  through_second.join();
  auto services = second.Kubectl(
      {"get", "services", "-o",
       "jsonpath={range .items[*]}{.spec.clusterIP} {.spec.ports[0].nodePort}{\"\\n\"}{end}"});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  std::set<std::string> cluster_ips, node_ports;
  int with_node_port = 0;
  for (const std::string& row : SplitLines(services.out)) {
    std::istringstream in(row);
    std::string ip, port;
    in >> ip >> port;
    cluster_ips.insert(ip);
    if (!port.empty()) {
      node_ports.insert(port);
      ++with_node_port;
    }
  }
  EXPECT_EQ(cluster_ips.size(), 9u) << services.out;  // eight and the kubernetes Service
  EXPECT_EQ(with_node_port, 8) << services.out;
  EXPECT_EQ(node_ports.size(), 8u) << services.out;

  // Killing the etcd member both servers talk to first: both keep serving, and a write through
  // one is read through the other.
  etcd_->Kill(0);
  auto created = second.Kubectl({"create", "configmap", "after-etcd-kill", "--from-literal=k=v"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(WaitFor([&] {
    return first.Kubectl({"get", "configmap", "after-etcd-kill", "-o", "jsonpath={.data.k}"}).out ==
           "v";
  }));
  EXPECT_EQ(first.Kubectl({"get", "ds", "ds1"}).exit_code, 0);

  // Kill the server whose controller manager leads; the other one takes the lease over and
  // rolls out a new template. No node ever runs two live pods of the DaemonSet.
  first.Kill();
  ASSERT_TRUE(WaitFor(
      [&] { return ReadFile(second_cm_log).find("became leader") != std::string::npos; }, 90));
  auto updated = second.Kubectl({"set", "image", "ds/ds1", "agent=registry.local/agent:2.0"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  bool duplicate = false;
  ASSERT_TRUE(WaitFor(
      [&] {
        DaemonPods pods = ReadDaemonPods(second, "registry.local/agent:2.0");
        for (const auto& [node, count] : pods.live_per_node) {
          if (count > 1) duplicate = true;
        }
        return pods.running_with_image == 3 && pods.live_per_node.size() == 3;
      },
      120));
  EXPECT_FALSE(duplicate);
  DaemonPods final_pods = ReadDaemonPods(second, "registry.local/agent:2.0");
  for (const auto& [node, count] : final_pods.live_per_node) EXPECT_EQ(count, 1) << node;
  EXPECT_EQ(second.Stop(), 0);
}

TEST_F(EtcdE2eTest, KubernetesServiceListsEveryLiveServer) {
  std::vector<std::string> args = EtcdServerArgs(*etcd_, 0);
  args.insert(args.end(), {"--disable", "controllers", "--disable", "scheduler"});
  TestCluster first(args);
  ASSERT_TRUE(first.ok());
  TestCluster second(args);
  ASSERT_TRUE(second.ok());
  const std::string one = "127.0.0.1:" + std::to_string(first.port());
  const std::string two = "127.0.0.1:" + std::to_string(second.port());
  // Both servers, seen through either; each holds a lease.
  ASSERT_TRUE(WaitFor(
      [&] {
        return ListsExactly(first, {one, two});
      },
      60))
      << *KubernetesEndpoints(first, false).begin();
  EXPECT_TRUE(WaitFor([&] { return ListsExactly(second, {one, two}); }, 60));
  const std::vector<std::string> get_leases = {
      "get",         "leases", "-n",
      "kube-system", "-l",     "apiserver.kubernetes.io/identity=kube-apiserver",
      "--no-headers"};
  EXPECT_EQ(SplitLines(first.Kubectl(get_leases).out).size(), 2u);

  // A crashed server stops renewing its lease: once it expires, the other drops it.
  second.Kill();
  ASSERT_TRUE(WaitFor([&] { return ListsExactly(first, {one}); }, 90));
  EXPECT_EQ(SplitLines(first.Kubectl(get_leases).out).size(), 1u);

  // A server that joins appears; stopped, it withdraws.
  TestCluster third(args);
  ASSERT_TRUE(third.ok());
  const std::string three = "127.0.0.1:" + std::to_string(third.port());
  ASSERT_TRUE(WaitFor([&] { return ListsExactly(first, {one, three}); }, 60));
  EXPECT_EQ(third.Stop(), 0);
  ASSERT_TRUE(WaitFor([&] { return ListsExactly(first, {one}); }, 60));
  EXPECT_EQ(SplitLines(first.Kubectl(get_leases).out).size(), 1u);
  EXPECT_EQ(first.Stop(), 0);
}

}  // namespace
}  // namespace tinyk8s::testing
