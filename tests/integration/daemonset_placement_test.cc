// End-to-end DaemonSet placement on `tinyk8s server --nodes 3` with every co-process but DNS,
// driven by kubectl 1.32 and 1.27: node selectors and affinity following node labels (E2E-2,
// E2E-3, AT-2, AT-3), taints and tolerations (AT-15, AT-15b, AT-15c), schedulerName (AT-11), host
// ports (AT-14, AT-14b, AT-14c) and priority preemption for a daemon pod (AT-12, AT-12b).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/ds_scenario.h"

namespace tinyk8s::testing {
namespace {

const std::set<std::string> kAllNodes = {"node01", "node02", "node03"};

class DaemonSetPlacementTest : public DsScenarioTest {
 protected:
  CommandResult Node(const std::vector<std::string>& args, const std::string& v = "1.32") {
    return cluster_->Kubectl(v, args);
  }
  // A priority-100 pod on node01 requesting `cpu`.
  static std::string LowPriorityFiller(const std::string& name, const std::string& cpu) {
    return PlainPodYaml(name,
                        "priorityClassName: low\nnodeSelector: {kubernetes.io/hostname: node01}",
                        "resources: {requests: {cpu: " + cpu + "}}");
  }
  // The message of a pod's PodScheduled condition (empty when none).
  std::string ScheduledMessage(const std::string& pod) {
    return ds_->Get({"get", "pod", pod, "-o",
                     "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].message}"});
  }
};

// E2E-2 (kubectl 1.32), AT-2/AT-3 (1.32), E2E-3 (kubectl 1.27).
TEST_F(DaemonSetPlacementTest, NodeSelectorAndAffinityFollowNodeLabels) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  DsScenario& d = *ds_;
  // E2E-2: nodeSelector daemonset-color=blue runs nowhere until a node is blue.
  ASSERT_EQ(
      d.Apply(DaemonSetYaml("complex", "", "nodeSelector: {daemonset-color: blue}")).exit_code, 0);
  ASSERT_TRUE(
      Eventually([&] { return d.DsField("complex", ".status.observedGeneration") == "1"; }));
  EXPECT_TRUE(d.NoLivePods("complex"));
  EXPECT_TRUE(d.StatusSettled("complex", 0));
  ASSERT_EQ(Node({"label", "node", "node01", "daemonset-color=blue"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("complex", {"node01"}) && d.StatusSettled("complex", 1);
  })) << d.Get({"get", "pods", "-o", "wide"});
  ASSERT_EQ(Node({"label", "node", "node01", "daemonset-color=green", "--overwrite"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return d.NoLivePods("complex") && d.StatusSettled("complex", 0); }));
  auto patched =
      d.K({"patch", "ds", "complex", "-p",
           R"({"spec":{"template":{"spec":{"nodeSelector":{"daemonset-color":"green"}}},)"
           R"("updateStrategy":{"type":"RollingUpdate"}}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.err;
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("complex", {"node01"}) && d.StatusSettled("complex", 1);
  })) << d.Get({"get", "pods", "-o", "wide"});

  // AT-2: ssd=true on node01 and node02.
  for (const char* n : {"node01", "node02"}) {
    ASSERT_EQ(Node({"label", "node", n, "ssd=true"}).exit_code, 0);
  }
  ASSERT_EQ(d.Apply(DaemonSetYaml("ssd-agent", "", "nodeSelector: {ssd: \"true\"}")).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("ssd-agent", {"node01", "node02"}) && d.StatusSettled("ssd-agent", 2);
  }));
  EXPECT_EQ(d.Columns("ssd-agent"), "2 2 2 2 2 ssd=true");
  // AT-3: labels added and removed move pods.
  ASSERT_EQ(Node({"label", "node", "node03", "ssd=true"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("ssd-agent", kAllNodes) && d.StatusSettled("ssd-agent", 3);
  }));
  std::string on_node01 = d.PodOn("ssd-agent", "node01");
  ASSERT_EQ(Node({"label", "node", "node01", "ssd-"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("ssd-agent", {"node02", "node03"}) && d.StatusSettled("ssd-agent", 2);
  }));
  EXPECT_TRUE(Eventually([&] {
    return d.Events("reason=SuccessfulDelete").find("Deleted pod: " + on_node01) !=
           std::string::npos;
  })) << d.Events("reason=SuccessfulDelete");
  ASSERT_EQ(Node({"label", "node", "node02", "ssd=false", "--overwrite"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("ssd-agent", {"node03"}) && d.StatusSettled("ssd-agent", 1);
  }));
  // The controller never made a pod for a node that should not run one: one create per node
  // that gained the label, one delete per node that lost it. (FailedScheduling events prove
  // nothing here: the scheduler may judge a new pod before its own node cache has the label
  // change the controller acted on, and schedules it when that arrives, as upstream does.)
  auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  // Events are recorded after the writes they report: wait for the last delete's.
  std::string deletes;
  EXPECT_TRUE(Eventually([&] {
    deletes = d.Events("reason=SuccessfulDelete,involvedObject.name=ssd-agent");
    return lines(deletes) >= 2;
  }));
  EXPECT_EQ(lines(deletes), 2) << deletes;
  std::string creates = d.Events("reason=SuccessfulCreate,involvedObject.name=ssd-agent");
  EXPECT_EQ(lines(creates), 3) << creates;

  // E2E-3 with kubectl 1.27: required node affinity instead of a nodeSelector.
  for (const char* n : {"node01", "node02", "node03"}) {
    Node({"label", "node", n, "daemonset-color-", "ssd-"}, "1.27");
  }
  ASSERT_EQ(
      d.Apply(DaemonSetYaml("affine", "",
                            "affinity:\n"
                            "  nodeAffinity:\n"
                            "    requiredDuringSchedulingIgnoredDuringExecution:\n"
                            "      nodeSelectorTerms:\n"
                            "      - matchExpressions:\n"
                            "        - {key: daemonset-color, operator: In, values: [blue]}\n"),
              "1.27")
          .exit_code,
      0);
  ASSERT_TRUE(Eventually([&] { return d.DsField("affine", ".status.observedGeneration") == "1"; }));
  EXPECT_TRUE(d.NoLivePods("affine"));
  ASSERT_EQ(Node({"label", "node", "node02", "daemonset-color=blue"}, "1.27").exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("affine", {"node02"}) && d.StatusSettled("affine", 1); }));
  ASSERT_EQ(Node({"label", "node", "node02", "daemonset-color-"}, "1.27").exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return d.NoLivePods("affine") && d.StatusSettled("affine", 0); }));
}

// AT-15: NoSchedule keeps the running pod (misscheduled), NoExecute removes it, a toleration
// brings it back. AT-15c: memory pressure does not keep daemon pods away.
TEST_F(DaemonSetPlacementTest, TaintsAndTolerations) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  DsScenario& d = *ds_;
  ASSERT_EQ(d.Apply(DaemonSetYaml("ds1")).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }));
  std::string on_node03 = d.PodOn("ds1", "node03");

  ASSERT_EQ(Node({"taint", "node", "node03", "dedicated=infra:NoSchedule"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.DsField("ds1", ".status.desiredNumberScheduled") == "2" &&
           d.DsField("ds1", ".status.numberMisscheduled") == "1";
  })) << d.Get({"get", "ds", "ds1", "-o", "yaml"});
  EXPECT_EQ(d.PodOn("ds1", "node03"), on_node03);  // shouldContinueRunning

  ASSERT_EQ(Node({"taint", "node", "node03", "dedicated=infra:NoExecute"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("ds1", {"node01", "node02"}) && d.StatusSettled("ds1", 2);
  })) << d.Get({"get", "pods", "-o", "wide"})
      << d.Get({"get", "ds", "ds1", "-o", "yaml"});
  EXPECT_EQ(d.PodOn("ds1", "node03"), "");  // not replaced

  auto tolerate = d.K({"patch", "ds", "ds1", "--type=merge", "-p",
                       R"({"spec":{"template":{"spec":{"tolerations":[)"
                       R"({"key":"dedicated","operator":"Equal","value":"infra"}]}}}})"});
  ASSERT_EQ(tolerate.exit_code, 0) << tolerate.err;
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("ds1", kAllNodes) && d.StatusSettled("ds1", 3); }, 60))
      << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_EQ(d.Columns("ds1"), "3 3 3 3 3 <none>");

  // The taints go; nothing changes for the DaemonSet that tolerates them.
  ASSERT_EQ(Node({"taint", "node", "node03", "dedicated-"}, "1.27").exit_code, 0);

  // AT-15b: an ordinary pod pinned to a cordoned node stays Pending; daemon pods stay.
  ASSERT_EQ(Node({"cordon", "node01"}, "1.27").exit_code, 0);
  ASSERT_EQ(d.K({"run", "pinned", "--image=registry.local/app:1.0", "--overrides",
                 R"({"spec":{"nodeSelector":{"kubernetes.io/hostname":"node01"}}})"})
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] {
    return ScheduledMessage("pinned").find("node(s) were unschedulable") != std::string::npos;
  })) << ScheduledMessage("pinned");
  EXPECT_TRUE(d.StatusSettled("ds1", 3));
  ASSERT_EQ(Node({"uncordon", "node01"}, "1.27").exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "pinned", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));

  // AT-15c: a node that reports memory pressure (registered by hand, so no simulated kubelet
  // resets its conditions) gets the memory-pressure taint from the node lifecycle controller.
  auto node = cluster_->Kubectl(
      "1.32", {"apply", "-f", "-"},
      "apiVersion: v1\nkind: Node\nmetadata:\n  name: pressure\n"
      "  labels: {kubernetes.io/hostname: pressure}\n"
      "status:\n  allocatable: {cpu: \"2\", memory: 4Gi, pods: \"110\"}\n"
      "  capacity: {cpu: \"2\", memory: 4Gi, pods: \"110\"}\n  conditions:\n"
      "  - {type: Ready, status: \"True\", reason: KubeletReady}\n"
      "  - {type: MemoryPressure, status: \"True\", reason: KubeletHasInsufficientMemory}\n");
  ASSERT_EQ(node.exit_code, 0) << node.err;
  auto taints = [&] {
    return Node({"get", "node", "pressure", "-o",
                 "jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}"})
        .out;
  };
  ASSERT_TRUE(Eventually([&] {
    return taints().find("node.kubernetes.io/memory-pressure:NoSchedule") != std::string::npos;
  })) << taints();
  // An ordinary pod pinned to it stays Pending; daemon pods are bound there all the same.
  ASSERT_EQ(d.K({"run", "plain", "--image=registry.local/app:1.0", "--overrides",
                 R"({"spec":{"nodeSelector":{"kubernetes.io/hostname":"pressure"}}})"})
                .exit_code,
            0);
  ASSERT_EQ(d.Apply(DaemonSetYaml("mp")).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    int on_pressure = 0, running = 0;
    for (const DaemonPod& p : d.Pods("mp")) {
      if (p.node == "pressure") ++on_pressure;
      if (kAllNodes.count(p.node) && p.RunningReady()) ++running;
    }
    return on_pressure == 1 && running == 3 &&
           d.DsField("mp", ".status.desiredNumberScheduled") == "4";
  })) << d.Get({"get", "pods", "-o", "wide"});
  ASSERT_TRUE(Eventually([&] { return !d.PodOn("ds1", "pressure").empty(); }));
  EXPECT_NE(taints().find("memory-pressure"), std::string::npos);
  ASSERT_TRUE(Eventually([&] {
    return ScheduledMessage("plain").find("untolerated taint") != std::string::npos;
  })) << ScheduledMessage("plain");
  EXPECT_EQ(d.Get({"get", "pod", "plain", "-o", "jsonpath={.spec.nodeName}"}), "");
}

// AT-11: daemon pods go through the scheduler named in the template; a scheduler nobody runs
// leaves them Pending.
TEST_F(DaemonSetPlacementTest, SchedulerNameRoutesDaemonPods) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  DsScenario& d = *ds_;
  int second = cluster_->Spawn(
      {"scheduler", "--kubeconfig", cluster_->kubeconfig(), "--scheduler-name", "my-scheduler"},
      "my-scheduler");
  ASSERT_EQ(d.Apply(DaemonSetYaml("custom", "", "schedulerName: my-scheduler"), "1.27").exit_code,
            0);
  ASSERT_EQ(d.Apply(DaemonSetYaml("ghost", "", "schedulerName: nobody")).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] { return d.RunningExactlyOn("custom", kAllNodes) && d.StatusSettled("custom", 3); }, 60));
  std::string scheduled = d.Events("reason=Scheduled");
  for (const std::string& node : kAllNodes) {
    EXPECT_NE(scheduled.find("|" + d.PodOn("custom", node) + "|my-scheduler|"), std::string::npos)
        << scheduled;
  }
  ASSERT_TRUE(
      Eventually([&] { return d.DsField("ghost", ".status.currentNumberScheduled") == "3"; }));
  EXPECT_EQ(d.DsField("ghost", ".status.numberReady"), "0");
  for (const DaemonPod& p : d.Pods("ghost")) {
    EXPECT_EQ(p.phase, "Pending") << p.name;
    EXPECT_EQ(p.node, "") << p.name;
  }
  auto status = d.K({"rollout", "status", "ds/ghost", "--timeout=3s"}, "1.27", "", 30);
  EXPECT_NE(status.exit_code, 0) << status.out;
  EXPECT_EQ(cluster_->StopSpawned(second), 0);
}

// AT-14, AT-14b, AT-14c: host port conflicts keep a daemon pod Pending until the port is free.
TEST_F(DaemonSetPlacementTest, HostPortConflicts) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  DsScenario& d = *ds_;
  auto squatter = [&](const std::string& name, const std::string& protocol) {
    return d.Apply(
        PlainPodYaml(name, "nodeSelector: {kubernetes.io/hostname: node02}",
                     "ports: [{containerPort: 9000, hostPort: 9000, protocol: " + protocol + "}]"));
  };
  ASSERT_EQ(squatter("squatter", "TCP").exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "squatter", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  const std::string port = "ports: [{containerPort: 9000, hostPort: 9000}]";
  ASSERT_EQ(d.Apply(DaemonSetYaml("hp", "", "", port)).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.DsField("hp", ".status.currentNumberScheduled") == "3" &&
           d.DsField("hp", ".status.numberReady") == "2";
  })) << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_EQ(d.Columns("hp"), "3 3 2 3 2 <none>");
  std::string pending = d.PodOn("hp", "");
  ASSERT_FALSE(pending.empty()) << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_TRUE(Eventually([&] {
    return d.Events("involvedObject.name=" + pending + ",reason=FailedScheduling")
               .find("node(s) didn't have free ports for the requested pod ports") !=
           std::string::npos;
  })) << d.Events("involvedObject.name=" + pending);
  // The whole message, as upstream words it (SCH-22).
  EXPECT_EQ(ScheduledMessage(pending),
            "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod "
            "ports, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are "
            "available: 1 No preemption victims found for incoming pod, 2 Preemption is not "
            "helpful for scheduling.");
  ASSERT_EQ(d.K({"delete", "pod", "squatter", "--timeout=60s"}).exit_code, 0);
  ASSERT_TRUE(
      Eventually([&] { return d.RunningExactlyOn("hp", kAllNodes) && d.StatusSettled("hp", 3); }));
  EXPECT_EQ(d.PodOn("hp", "node02"), pending);

  // AT-14b: the same port over UDP does not conflict.
  ASSERT_EQ(squatter("udp-squatter", "UDP").exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "udp-squatter", "-o", "jsonpath={.status.phase}"}) == "Running";
  })) << d.Events("involvedObject.name=udp-squatter");
  EXPECT_TRUE(d.StatusSettled("hp", 3));

  // AT-14c: a surge pod cannot start beside the old pod holding the port.
  auto surge =
      d.K({"patch", "ds", "hp", "--type=merge", "-p",
           R"({"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}})"});
  ASSERT_EQ(surge.exit_code, 0) << surge.err;
  ASSERT_EQ(d.K({"set", "image", "ds/hp", "agent=registry.local/agent:2.0"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    for (const DaemonPod& p : d.Pods("hp")) {
      if (p.image == "registry.local/agent:2.0" && p.node.empty() &&
          ScheduledMessage(p.name).find("didn't have free ports") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << d.Get({"get", "pods", "-o", "wide"});
  auto stuck = d.K({"rollout", "status", "ds/hp", "--timeout=3s"}, "1.32", "", 30);
  EXPECT_NE(stuck.exit_code, 0) << stuck.out;
  EXPECT_TRUE(d.RunningExactlyOn("hp", kAllNodes, "registry.local/agent:1.0") ||
              d.Pods("hp").size() == 4)
      << d.Get({"get", "pods", "-o", "wide"});
  // The default strategy (maxUnavailable 1, no surge) finishes the same change.
  auto plain =
      d.K({"patch", "ds", "hp", "--type=merge", "-p",
           R"({"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}}})"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto done = d.K({"rollout", "status", "ds/hp", "--timeout=90s"}, "1.27", "", 100);
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_TRUE(Eventually([&] {
    return d.RunningExactlyOn("hp", kAllNodes, "registry.local/agent:2.0") &&
           d.StatusSettled("hp", 3);
  }));
}

// AT-12: a system-node-critical daemon pod preempts a low-priority pod on a full node;
// AT-12b: with preemptionPolicy Never it stays Pending instead.
TEST_F(DaemonSetPlacementTest, DaemonPodPreemptsLowerPriorityPod) {
  ASSERT_NO_FATAL_FAILURE(Start(3, {"--node-cpu", "1"}));
  DsScenario& d = *ds_;
  ASSERT_EQ(d.Apply("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\n"
                    "value: 100\n")
                .exit_code,
            0);
  ASSERT_EQ(d.Apply(LowPriorityFiller("filler", "800m")).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "filler", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  std::string filler_uid = d.Get({"get", "pod", "filler", "-o", "jsonpath={.metadata.uid}"});
  ASSERT_EQ(d.Apply(DaemonSetYaml("critical-agent", "",
                                  "priorityClassName: system-node-critical\n"
                                  "nodeSelector: {kubernetes.io/hostname: node01}",
                                  "resources: {requests: {cpu: 500m}}"))
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] { return !d.Pods("critical-agent").empty(); }));
  std::string pod = d.Pods("critical-agent")[0].name;
  EXPECT_EQ(d.Get({"get", "pod", pod, "-o", "jsonpath={.spec.priority}"}), "2000001000");
  std::string uid = d.Get({"get", "pod", pod, "-o", "jsonpath={.metadata.uid}"});
  EXPECT_TRUE(Eventually([&] {
    return d.Events("involvedObject.name=filler,reason=Preempted")
               .find("Preempted by pod " + uid + " on node node01") != std::string::npos;
  })) << d.Events("involvedObject.name=filler");
  EXPECT_NE(d.Events("involvedObject.name=" + pod + ",reason=FailedScheduling")
                .find("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy "
                      "plugin(s) [NodeAffinity]."),
            std::string::npos)
      << d.Events("involvedObject.name=" + pod);
  ASSERT_TRUE(Eventually(
      [&] {
        return d.RunningExactlyOn("critical-agent", {"node01"}) &&
               d.StatusSettled("critical-agent", 1);
      },
      60))
      << d.Get({"get", "pods", "-o", "wide"});
  EXPECT_EQ(d.Get({"get", "pods", "-o", "jsonpath={.items[*].metadata.uid}"}).find(filler_uid),
            std::string::npos);

  // AT-12b: a class with preemptionPolicy Never evicts nothing, though evicting would help.
  ASSERT_EQ(
      d.Apply("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: never}\n"
              "value: 1000\npreemptionPolicy: Never\n")
          .exit_code,
      0);
  ASSERT_EQ(d.Apply(LowPriorityFiller("filler2", "300m")).exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", "filler2", "-o", "jsonpath={.status.phase}"}) == "Running";
  }));
  ASSERT_EQ(d.Apply(DaemonSetYaml("polite", "",
                                  "priorityClassName: never\n"
                                  "nodeSelector: {kubernetes.io/hostname: node01}",
                                  "resources: {requests: {cpu: 400m}}"))
                .exit_code,
            0);
  ASSERT_TRUE(Eventually([&] { return !d.Pods("polite").empty(); }))
      << d.Events("involvedObject.name=polite");
  std::string polite = d.Pods("polite")[0].name;
  EXPECT_EQ(d.Get({"get", "pod", polite, "-o", "jsonpath={.spec.preemptionPolicy}"}), "Never");
  ASSERT_TRUE(Eventually([&] {
    return d.Get({"get", "pod", polite, "-o",
                  "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}"}) ==
           "Unschedulable";
  }));
  EXPECT_EQ(ScheduledMessage(polite),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) "
            "[NodeAffinity]. preemption: not eligible due to preemptionPolicy=Never.");
  EXPECT_EQ(d.DsField("polite", ".status.currentNumberScheduled"), "1");
  EXPECT_EQ(d.DsField("polite", ".status.numberReady"), "0");
  EXPECT_TRUE(d.RunningExactlyOn("critical-agent", {"node01"}));
  EXPECT_EQ(d.Get({"get", "pod", "filler2", "-o", "jsonpath={.metadata.deletionTimestamp}"}), "");
}

}  // namespace
}  // namespace tinyk8s::testing
