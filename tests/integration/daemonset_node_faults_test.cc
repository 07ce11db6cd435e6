// End-to-end: DaemonSets while nodes fail, come back, join and leave (AT-15d, AT-4, NODE-3..5).
// The API server runs alone (`server --nodes 0 --disable controllers,dns`); the test starts the
// node agent with fast lease renewals and the controller manager with a short node grace period
// and pod GC quarantine, so that faults injected through node annotations are noticed quickly.
// Only outcomes are asserted, never how long they took.
#include <gtest/gtest.h>

#include "tests/integration/ds_scenario.h"

namespace tinyk8s::testing {
namespace {

const std::set<std::string> kAllNodes = {"node01", "node02", "node03"};

class DaemonSetNodeFaultsTest : public DsScenarioTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DsScenarioTest::SetUp());
    if (IsSkipped()) return;
    ASSERT_NO_FATAL_FAILURE(StartCluster({"--nodes", "0", "--disable", "controllers,dns"}));
    ASSERT_GT(SpawnNodes("node", 3), 0);
    ASSERT_GT(cluster_->Spawn({"controller-manager", "--kubeconfig", cluster_->kubeconfig(),
                               "--node-monitor-grace-period", "3s", "--node-monitor-period",
                               "200ms", "--pod-gc-quarantine", "1s"},
                              "controller-manager"),
              0);
    ASSERT_NO_FATAL_FAILURE(AwaitNodes(3));
  }
  int SpawnNodes(const std::string& prefix, int count) {
    return cluster_->Spawn(
        {"nodes", "--kubeconfig", cluster_->kubeconfig(), "--count", std::to_string(count),
         "--prefix", prefix, "--lease-renew-interval-ms", "200"},
        "nodes-" + prefix);
  }
  CommandResult Node(const std::vector<std::string>& args, const std::string& v = "1.32") {
    return cluster_->Kubectl(v, args);
  }
  std::string NodeField(const std::string& node, const std::string& path) {
    return Node({"get", "node", node, "-o", "jsonpath={" + path + "}"}).out;
  }
  std::string Taints(const std::string& node) {
    return NodeField(node, "range .spec.taints[*]}{.key}:{.effect} {end");
  }
  std::string ReadyStatus(const std::string& node) {
    return NodeField(node, ".status.conditions[?(@.type==\"Ready\")].status");
  }
};

TEST_F(DaemonSetNodeFaultsTest, NodeLostAndBackNotReadyJoinAndLeave) {
  DsScenario& d = *ds_;
  ASSERT_EQ(d.Apply(DaemonSetYaml("ds1")).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }, 60));
  // An ordinary pod on node02 that tolerates an unreachable node for one second only.
  ASSERT_EQ(d.Apply(PlainPodYaml("plain",
                                 "nodeSelector: {kubernetes.io/hostname: node02}\n"
                                 "tolerations:\n"
                                 "- {key: node.kubernetes.io/unreachable, operator: Exists, "
                                 "effect: NoExecute, tolerationSeconds: 1}"))
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "plain", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  std::string daemon_on_node02 = d.PodOn("ds1", "node02");

  // AT-15d: node02 stops heartbeating.
  ASSERT_EQ(Node({"annotate", "node", "node02", "tinyk8s.io/heartbeat=stopped"}).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] {
        std::string t = Taints("node02");
        return ReadyStatus("node02") == "Unknown" &&
               t.find("node.kubernetes.io/unreachable:NoSchedule") != std::string::npos &&
               t.find("node.kubernetes.io/unreachable:NoExecute") != std::string::npos;
      },
      60))
      << Taints("node02") << Node({"get", "node", "node02", "-o", "yaml"}).out;
  ASSERT_TRUE(Eventually([&] {
    return d.DsField("ds1", ".status.desiredNumberScheduled") == "2" &&
           d.DsField("ds1", ".status.numberMisscheduled") == "1";
  })) << d.Get({"get", "ds", "ds1", "-o", "yaml"});
  // The ordinary pod is evicted; the daemon pod stays (it tolerates NoExecute for ever).
  ASSERT_TRUE(Eventually(
      [&] {
        auto r = d.K({"get", "pod", "plain", "-o", "jsonpath={.metadata.deletionTimestamp}"});
        return r.exit_code != 0 || !r.out.empty();
      },
      30));
  EXPECT_EQ(d.PodOn("ds1", "node02"), daemon_on_node02);
  EXPECT_EQ(d.Get({"get", "pod", daemon_on_node02, "-o", "jsonpath={.metadata.deletionTimestamp}"}),
            "");
  // NODE-3: the silent node's pods are marked not ready, with a Warning event each; nobody sets
  // them back while the node is silent (its kubelet is gone), and the evicted pod stays
  // Terminating since no kubelet confirms its end.
  auto pod_ready = [&](const std::string& pod) {
    return d.Get(
        {"get", "pod", pod, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"});
  };
  ASSERT_TRUE(Eventually([&] { return pod_ready(daemon_on_node02) == "False"; }))
      << d.Get({"get", "pod", daemon_on_node02, "-o", "yaml"});
  EXPECT_NE(d.Events("involvedObject.name=" + daemon_on_node02)
                .find("NodeNotReady|" + daemon_on_node02 + "|node-controller|Node is not ready"),
            std::string::npos)
      << d.Events("involvedObject.name=" + daemon_on_node02);
  EXPECT_FALSE(Eventually([&] { return pod_ready(daemon_on_node02) != "False"; }, 3));
  EXPECT_EQ(d.K({"get", "pod", "plain"}).exit_code, 0);

  // Back: taints go, the node counts again, the same daemon pod serves it.
  ASSERT_EQ(Node({"annotate", "node", "node02", "tinyk8s.io/heartbeat-"}, "1.27").exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] {
        return ReadyStatus("node02") == "True" &&
               Taints("node02").find("unreachable") == std::string::npos;
      },
      60))
      << Taints("node02");
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }, 60))
      << d.Get({"get", "ds", "ds1", "-o", "yaml"});
  EXPECT_EQ(d.PodOn("ds1", "node02"), daemon_on_node02);
  // The node back catches up: the daemon pod is Ready again, the evicted pod's end confirmed.
  EXPECT_TRUE(Eventually([&] { return pod_ready(daemon_on_node02) == "True"; }));
  EXPECT_TRUE(Eventually([&] { return d.K({"get", "pod", "plain"}).exit_code != 0; }));

  // NODE-4: a node reporting NotReady gets the not-ready taints; daemon pods stay.
  std::string daemon_on_node03 = d.PodOn("ds1", "node03");
  ASSERT_EQ(Node({"annotate", "node", "node03", "tinyk8s.io/ready=false"}).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] {
        return ReadyStatus("node03") == "False" &&
               Taints("node03").find("node.kubernetes.io/not-ready:NoSchedule") !=
                   std::string::npos;
      },
      60))
      << Taints("node03");
  ASSERT_TRUE(Eventually([&] {
    return d.DsField("ds1", ".status.desiredNumberScheduled") == "2" &&
           d.DsField("ds1", ".status.numberMisscheduled") == "1";
  }));
  EXPECT_EQ(d.PodOn("ds1", "node03"), daemon_on_node03);
  ASSERT_EQ(Node({"annotate", "node", "node03", "tinyk8s.io/ready-"}).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] {
        return ReadyStatus("node03") == "True" &&
               Taints("node03").find("not-ready") == std::string::npos;
      },
      60));
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }, 60));
  EXPECT_EQ(d.PodOn("ds1", "node03"), daemon_on_node03);

  // AT-4: a new node gets a pod; once it is deleted, pod GC removes that pod.
  int extra = SpawnNodes("extra", 1);
  ASSERT_GT(extra, 0);
  std::set<std::string> four = kAllNodes;
  four.insert("extra01");
  ASSERT_TRUE(
      Eventually([&] { return d.RunningExactlyOn("ds1", four) && d.StatusSettled("ds1", 4); }, 60))
      << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_EQ(d.Columns("ds1"), "4 4 4 4 4 <none>");
  EXPECT_EQ(cluster_->StopSpawned(extra), 0);
  ASSERT_EQ(Node({"delete", "node", "extra01"}).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }, 60))
      << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_EQ(d.Get({"get", "pods", "-l", "app=ds1", "--field-selector", "spec.nodeName=extra01",
                   "-o", "name"}),
            "");
}

}  // namespace
}  // namespace tinyk8s::testing
