// The user story, end to end with the real kubectl: a DaemonSet walk-through on a cluster of
// three simulated nodes with every co-process running (controller manager, scheduler, DNS,
// node agent) — namespace, apply, describe, get -o wide, nodeSelector following node labels,
// rolling update followed by `rollout status`, OnDelete, a second scheduler by schedulerName,
// headless-service DNS records, and `delete -f` of everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

constexpr char kDig[] = "/usr/bin/dig";

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

class WalkthroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) {
      GTEST_SKIP() << "kubectl 1.32 is not installed";
    }
    dns_port_ = FreeLoopbackPort();
    ASSERT_GT(dns_port_, 0);
    cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{
        "--nodes", "3", "--dns-listen", "127.0.0.1:" + std::to_string(dns_port_)});
    ASSERT_TRUE(cluster_->ok());
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0);
    }
  }
  CommandResult K(const std::vector<std::string>& args) { return cluster_->Kubectl(args); }
  std::string Get(const std::vector<std::string>& args) { return K(args).out; }
  // NodesOf lists the nodes running pods with `selector` in monitoring, sorted.
  std::vector<std::string> NodesOf(const std::string& selector) {
    auto nodes = Words(Get({"get", "pods", "-n", "monitoring", "-l", selector, "-o",
                            "jsonpath={range .items[*]}{.spec.nodeName} {end}"}));
    std::sort(nodes.begin(), nodes.end());
    return nodes;
  }
  std::vector<std::string> Dig(const std::string& name, const std::string& type) {
    auto out = RunCommand({kDig, "@127.0.0.1", "-p", std::to_string(dns_port_), "+time=1",
                           "+tries=1", "+short", name, type},
                          "", 10);
    auto words = Words(out.out);
    std::sort(words.begin(), words.end());
    return words;
  }

  int dns_port_ = 0;
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(WalkthroughTest, DaemonSetUserStory) {
  using V = std::vector<std::string>;
  ASSERT_TRUE(WaitFor([&] {
    auto out = Get({"get", "nodes", "--no-headers"});
    return std::count(out.begin(), out.end(), '\n') == 3 &&
           out.find("NotReady") == std::string::npos;
  })) << Get({"get", "nodes"});

  // 1. Namespace (protobuf body from kubectl 1.32) and the node-exporter DaemonSet.
  EXPECT_EQ(Get({"create", "namespace", "monitoring"}), "namespace/monitoring created\n");
  EXPECT_EQ(Get({"apply", "-f", Testdata("node-exporter-ds.yaml")}),
            "daemonset.apps/node-exporter created\n");
  auto rollout = cluster_->Kubectl(
      "1.32", {"rollout", "status", "ds/node-exporter", "-n", "monitoring", "--timeout=60s"}, "",
      90);
  EXPECT_EQ(rollout.exit_code, 0) << rollout.err;
  EXPECT_NE(rollout.out.find("daemon set \"node-exporter\" successfully rolled out"),
            std::string::npos)
      << rollout.out;
  EXPECT_EQ(NodesOf("app=node-exporter"), (V{"node01", "node02", "node03"}));

  auto describe = K({"describe", "ds", "node-exporter", "-n", "monitoring"});
  EXPECT_NE(describe.out.find("Desired Number of Nodes Scheduled: 3"), std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("Pods Status:  3 Running / 0 Waiting / 0 Succeeded / 0 Failed"),
            std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("SuccessfulCreate"), std::string::npos) << describe.out;
  // A pod's story as its kubelet tells it, after the scheduler's.
  std::string first_pod = Get({"get", "pods", "-n", "monitoring", "-l", "app=node-exporter", "-o",
                               "jsonpath={.items[0].metadata.name}"});
  auto pod_events = [&](const std::string& pod) {
    auto out = Get({"describe", "pod", pod, "-n", "monitoring"});
    return out.substr(std::min(out.size(), out.find("Events:")));
  };
  EXPECT_TRUE(WaitFor([&] {
    std::string events = pod_events(first_pod);
    for (const char* line :
         {"default-scheduler  Successfully assigned monitoring/",
          "kubelet            Container image \"prom/node-exporter:v1.6.0\" already present on "
          "machine",
          "kubelet            Created container: node-exporter",
          "kubelet            Started container node-exporter"}) {
      if (events.find(line) == std::string::npos) return false;
    }
    // Scheduled first, as the kubelet only hears of the pod once it is bound.
    return events.find("default-scheduler") < events.find("kubelet");
  })) << pod_events(first_pod);
  // The node's story: its kubelet's start and the node controller's registration.
  EXPECT_TRUE(WaitFor([&] {
    std::string node = Get({"describe", "node", "node01"});
    node = node.substr(std::min(node.size(), node.find("Events:")));
    for (const char* line :
         {"kubelet          Starting kubelet.",
          "kubelet          Node node01 status is now: NodeReady",
          "node-controller  Node node01 event: Registered Node node01 in Controller"}) {
      if (node.find(line) == std::string::npos) return false;
    }
    return true;
  })) << Get({"describe", "node", "node01"});
  auto wide = Get({"get", "pod", "-o", "wide", "-n", "monitoring"});
  EXPECT_EQ(std::count(wide.begin(), wide.end(), '\n'), 4) << wide;
  EXPECT_NE(wide.find("10.128."), std::string::npos) << wide;

  // 2. A nodeSelector DaemonSet follows the ssd=true label.
  EXPECT_EQ(Get({"label", "nodes", "node02", "ssd=true"}), "node/node02 labeled\n");
  EXPECT_EQ(Get({"apply", "-f", Testdata("ssd-ds.yaml")}), "daemonset.apps/ssd-monitor created\n");
  EXPECT_TRUE(WaitFor([&] { return NodesOf("app=ssd-monitor") == V{"node02"}; }))
      << Get({"get", "pods", "-A", "-o", "wide"});
  EXPECT_EQ(Get({"label", "nodes", "node03", "ssd=true"}), "node/node03 labeled\n");
  EXPECT_TRUE(WaitFor([&] { return NodesOf("app=ssd-monitor") == V{"node02", "node03"}; }));
  EXPECT_EQ(Get({"label", "nodes", "node02", "ssd-"}), "node/node02 unlabeled\n");
  EXPECT_TRUE(WaitFor([&] { return NodesOf("app=ssd-monitor") == V{"node03"}; }));

  // 3. Rolling update (maxUnavailable 1), followed with rollout status.
  EXPECT_EQ(Get({"apply", "-f", Testdata("node-exporter-ds-v2.yaml")}),
            "daemonset.apps/node-exporter configured\n");
  rollout = cluster_->Kubectl(
      "1.32", {"rollout", "status", "ds/node-exporter", "-n", "monitoring", "--timeout=90s"}, "",
      120);
  EXPECT_EQ(rollout.exit_code, 0) << rollout.err;

  // 3b. An image no registry has stalls the next rollout; describe pod tells why; undo.
  EXPECT_EQ(K({"set", "image", "ds/node-exporter", "-n", "monitoring",
               "node-exporter=nginx:non-existent"})
                .exit_code,
            0);
  std::string broken;
  EXPECT_TRUE(WaitFor([&] {
    broken = Get({"get", "pods", "-n", "monitoring", "-l", "app=node-exporter", "-o",
                  "jsonpath={.items[?(@.spec.containers[0].image==\"nginx:non-existent\")]"
                  ".metadata.name}"});
    return !broken.empty() && broken.find(' ') == std::string::npos;
  })) << broken;
  EXPECT_TRUE(WaitFor([&] {
    std::string events = pod_events(broken);
    return events.find(
               "kubelet            Failed to pull image \"nginx:non-existent\": rpc "
               "error: code = NotFound") != std::string::npos &&
           events.find("kubelet            Error: ErrImagePull") != std::string::npos &&
           events.find("kubelet            Back-off pulling image \"nginx:non-existent\"") !=
               std::string::npos &&
           events.find("kubelet            Error: ImagePullBackOff") != std::string::npos;
  })) << pod_events(broken);
  auto stuck = cluster_->Kubectl(
      "1.32", {"rollout", "status", "ds/node-exporter", "-n", "monitoring", "--timeout=2s"}, "",
      30);
  EXPECT_EQ(stuck.exit_code, 1) << stuck.out;
  EXPECT_EQ(stuck.err, "error: timed out waiting for the condition\n");
  EXPECT_EQ(Get({"rollout", "undo", "ds/node-exporter", "-n", "monitoring"}),
            "daemonset.apps/node-exporter rolled back\n");
  rollout = cluster_->Kubectl(
      "1.32", {"rollout", "status", "ds/node-exporter", "-n", "monitoring", "--timeout=90s"}, "",
      120);
  EXPECT_EQ(rollout.exit_code, 0) << rollout.err;
  EXPECT_TRUE(WaitFor([&] {
    return Words(Get({"get", "pods", "-n", "monitoring", "-l", "app=node-exporter", "-o",
                      "jsonpath={range .items[*]}{.spec.containers[0].image} {end}"})) ==
           V{"prom/node-exporter:v1.7.0", "prom/node-exporter:v1.7.0", "prom/node-exporter:v1.7.0"};
  }));
  auto history = Get({"rollout", "history", "ds/node-exporter", "-n", "monitoring"});
  EXPECT_NE(history.find("REVISION"), std::string::npos) << history;

  // 4. OnDelete: a new template reaches a pod only when that pod is deleted.
  std::string old_pod =
      Get({"get", "pods", "-n", "monitoring", "-l", "app=ssd-monitor", "-o", "name"});
  EXPECT_EQ(
      K({"set", "image", "ds/ssd-monitor", "-n", "monitoring", "main=busybox:1.37"}).exit_code, 0);
  SleepMillis(1000);
  EXPECT_EQ(Get({"get", "pods", "-n", "monitoring", "-l", "app=ssd-monitor", "-o", "name"}),
            old_pod);
  EXPECT_EQ(K({"delete", "-n", "monitoring", old_pod.substr(0, old_pod.size() - 1)}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "pods", "-n", "monitoring", "-l", "app=ssd-monitor", "-o",
                "jsonpath={.items[*].spec.containers[0].image}"}) == "busybox:1.37";
  }));

  // 5. schedulerName routes a pod to a second scheduler.
  EXPECT_EQ(K({"apply", "-f", Testdata("my-scheduler-pod.yaml")}).exit_code, 0);
  SleepMillis(1000);
  EXPECT_EQ(Get({"get", "pod", "custom-scheduled", "-n", "monitoring", "-o",
                 "jsonpath={.spec.nodeName}"}),
            "");
  int second = cluster_->Spawn(
      {"scheduler", "--kubeconfig", cluster_->kubeconfig(), "--scheduler-name", "my-scheduler"},
      "my-scheduler");
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "pod", "custom-scheduled", "-n", "monitoring", "-o",
                "jsonpath={.status.phase}"}) == "Running";
  }));
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "events", "-n", "monitoring", "-o", "wide", "--field-selector",
                "involvedObject.name=custom-scheduled,reason=Scheduled"})
               .find("my-scheduler") != std::string::npos;
  })) << Get({"get", "events", "-n", "monitoring", "-o", "wide"});
  EXPECT_EQ(cluster_->StopSpawned(second), 0);

  // 6. The daemons through a headless service's DNS records.
  EXPECT_EQ(Get({"apply", "-f", Testdata("node-exporter-svc.yaml")}),
            "service/node-exporter created\n");
  auto ips = Words(Get({"get", "pods", "-n", "monitoring", "-l", "app=node-exporter", "-o",
                        "jsonpath={range .items[*]}{.status.podIP} {end}"}));
  std::sort(ips.begin(), ips.end());
  ASSERT_EQ(ips.size(), 3u);
  EXPECT_TRUE(WaitFor([&] {
    return Dig("node-exporter.monitoring.svc.cluster.local", "A") == ips;
  })) << "dig answered: "
      << ::testing::PrintToString(Dig("node-exporter.monitoring.svc.cluster.local", "A"));
  auto srv = Dig("_metrics._tcp.node-exporter.monitoring.svc.cluster.local", "SRV");
  EXPECT_EQ(std::count(srv.begin(), srv.end(), "9100"), 3) << ::testing::PrintToString(srv);

  // 7. delete -f everything, pods included.
  for (const char* f : {"node-exporter-svc.yaml", "ssd-ds.yaml", "node-exporter-ds.yaml",
                        "my-scheduler-pod.yaml"}) {
    auto del = cluster_->Kubectl("1.32", {"delete", "-f", Testdata(f), "--timeout=60s"}, "", 90);
    EXPECT_EQ(del.exit_code, 0) << f << ": " << del.err;
  }
  EXPECT_TRUE(WaitFor([&] {
    return K({"get", "pods", "-n", "monitoring"}).err ==
           "No resources found in monitoring namespace.\n";
  })) << Get({"get", "pods", "-n", "monitoring"});
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "controllerrevisions", "-n", "monitoring", "-o", "name"}).empty();
  }));
  auto ns =
      cluster_->Kubectl("1.32", {"delete", "namespace", "monitoring", "--timeout=60s"}, "", 90);
  EXPECT_EQ(ns.exit_code, 0) << ns.err;
  EXPECT_EQ(K({"get", "namespace", "monitoring"}).exit_code, 1);
}

}  // namespace
}  // namespace tinyk8s::testing
