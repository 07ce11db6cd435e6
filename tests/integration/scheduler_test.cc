// End-to-end: `tinyk8s server` supervises the default scheduler; a second `tinyk8s scheduler`
// serves another schedulerName. Nodes are Node objects created with kubectl (allocatable and
// Ready=True) and nobody runs their pods, so tests force-delete preemption victims themselves
// (the role of the node agent, DEL-4). Everything is awaited by polling with deadlines.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

std::string NodeYaml(const std::string& name, const std::string& cpu) {
  return "apiVersion: v1\nkind: Node\nmetadata:\n  name: " + name +
         "\n  labels:\n    kubernetes.io/hostname: " + name + "\nstatus:\n  capacity: {cpu: \"" +
         cpu + "\", memory: 4Gi, pods: \"110\"}\n" + "  allocatable: {cpu: \"" + cpu +
         "\", memory: 4Gi, pods: \"110\"}\n" +
         "  conditions:\n  - {type: Ready, status: \"True\", reason: KubeletReady}\n";
}

// A pod YAML; `extra_spec` lines are indented under spec.
std::string PodYaml(const std::string& name, const std::string& cpu,
                    const std::string& extra_spec = "", const std::string& container_extra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: t\nspec:\n" +
         extra_spec + "  containers:\n  - name: main\n    image: registry.local/app:1.0\n" +
         "    resources: {requests: {cpu: " + cpu + "}}\n" + container_extra;
}

class SchedulerE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) {
      GTEST_SKIP() << "kubectl 1.32 is not installed";
    }
    cluster_ = std::make_unique<TestCluster>(std::vector<std::string>{"--disable", "controllers"});
    ASSERT_TRUE(cluster_->ok()) << "server did not start";
    Apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: t\n");
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0) << "graceful shutdown must exit 0";
    }
  }
  void Apply(const std::string& yaml) {
    auto r = cluster_->Kubectl({"apply", "--validate=false", "-f", "-"}, yaml);
    ASSERT_EQ(r.exit_code, 0) << r.err << "\n" << yaml;
  }
  std::string Get(const std::string& pod, const std::string& jsonpath) {
    return cluster_->Kubectl({"get", "pod", "-n", "t", pod, "-o", "jsonpath=" + jsonpath}).out;
  }
  std::string NodeOf(const std::string& pod) { return Get(pod, "{.spec.nodeName}"); }
  bool WaitBound(const std::string& pod, double seconds = 30) {
    return WaitFor([&] { return !NodeOf(pod).empty(); }, seconds);
  }
  // "reason|component|message" lines of the events about `pod`.
  std::string Events(const std::string& pod) {
    return cluster_
        ->Kubectl(
            {"get", "events", "-n", "t", "--field-selector", "involvedObject.name=" + pod, "-o",
             "jsonpath={range .items[*]}{.reason}|{.source.component}|{.message}{\"\\n\"}{end}"})
        .out;
  }
  void ForceDelete(const std::string& pod) {
    auto r = cluster_->Kubectl({"delete", "pod", "-n", "t", pod, "--grace-period=0", "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(SchedulerE2ETest, PodsGetBoundWithScheduledEvent) {
  for (const char* n : {"n1", "n2", "n3"}) Apply(NodeYaml(n, "2"));
  Apply(PodYaml("web", "100m"));
  ASSERT_TRUE(WaitBound("web")) << cluster_->Kubectl({"describe", "pod", "-n", "t", "web"}).out;
  std::string node = NodeOf("web");
  EXPECT_EQ(Get("web", "{.status.conditions[?(@.type==\"PodScheduled\")].status}"), "True");
  EXPECT_TRUE(WaitFor([&] {
    return Events("web").find("Scheduled|default-scheduler|Successfully assigned t/web to " +
                              node) != std::string::npos;
  })) << Events("web");
}

// AT-11: a pod for a scheduler that does not run is left alone until that scheduler starts.
TEST_F(SchedulerE2ETest, CustomSchedulerNameWaitsForItsScheduler) {
  Apply(NodeYaml("n1", "2"));
  Apply(PodYaml("p-mine", "100m", "  schedulerName: my-scheduler\n"));
  Apply(PodYaml("p-ghost", "100m", "  schedulerName: nobody\n"));
  Apply(PodYaml("p-default", "100m"));
  ASSERT_TRUE(WaitBound("p-default"));
  // The default scheduler has had its chance at every pod by now; the others are untouched.
  EXPECT_EQ(NodeOf("p-mine"), "");
  EXPECT_EQ(Events("p-mine"), "");
  EXPECT_EQ(Get("p-mine", "{.status.conditions}"), "");

  std::string log = cluster_->dir() + "/my-scheduler.log";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::string kubeconfig = cluster_->kubeconfig();
    execl(TINYK8S_BINARY_PATH, TINYK8S_BINARY_PATH, "scheduler", "--scheduler-name", "my-scheduler",
          "--kubeconfig", kubeconfig.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  bool bound = WaitBound("p-mine");
  bool event = WaitFor([&] {
    return Events("p-mine").find("Scheduled|my-scheduler|Successfully assigned t/p-mine to n1") !=
           std::string::npos;
  });
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(bound);
  EXPECT_TRUE(event) << Events("p-mine");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  // The lease is named after the scheduler name.
  EXPECT_EQ(cluster_
                ->Kubectl({"get", "lease", "-n", "kube-system", "my-scheduler", "-o",
                           "jsonpath={.metadata.name}"})
                .out,
            "my-scheduler");
  EXPECT_EQ(NodeOf("p-ghost"), "");
  EXPECT_EQ(Events("p-ghost"), "");
  EXPECT_EQ(Get("p-ghost", "{.status.conditions}"), "");
}

// AT-12b: no room and nothing of lower priority to evict.
TEST_F(SchedulerE2ETest, UnfittablePodStaysPendingAndEvictsNothing) {
  Apply(NodeYaml("small", "1"));
  Apply(
      "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high\n"
      "value: 1000\n");
  Apply(PodYaml("filler", "800m", "  nodeName: small\n  priorityClassName: high\n"));
  Apply(PodYaml("big", "500m", "  priorityClassName: high\n"));
  ASSERT_TRUE(WaitFor([&] {
    return Get("big", "{.status.conditions[?(@.type==\"PodScheduled\")].reason}") ==
           "Unschedulable";
  })) << cluster_->Kubectl({"describe", "pod", "-n", "t", "big"}).out;
  std::string msg = Get("big", "{.status.conditions[?(@.type==\"PodScheduled\")].message}");
  EXPECT_NE(msg.find("0/1 nodes are available: 1 Insufficient cpu."), std::string::npos) << msg;
  EXPECT_NE(msg.find("No preemption victims found for incoming pod"), std::string::npos) << msg;
  EXPECT_TRUE(WaitFor([&] {
    return Events("big").find(
               "FailedScheduling|default-scheduler|0/1 nodes are available: 1 "
               "Insufficient cpu.") != std::string::npos;
  })) << Events("big");
  EXPECT_EQ(Get("filler", "{.metadata.deletionTimestamp}"), "");
  EXPECT_EQ(NodeOf("big"), "");
}

// AT-12: a system-node-critical pod preempts a low-priority filler, then binds.
TEST_F(SchedulerE2ETest, HighPriorityPodPreemptsLowerPriorityPod) {
  Apply(NodeYaml("small", "1"));
  Apply(
      "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: low\n"
      "value: 100\n");
  Apply(PodYaml("filler", "800m", "  nodeName: small\n  priorityClassName: low\n"));
  Apply(PodYaml("critical", "500m",
                "  priorityClassName: system-node-critical\n  nodeSelector:\n"
                "    kubernetes.io/hostname: small\n"));
  EXPECT_EQ(Get("critical", "{.spec.priority}"), "2000001000");
  ASSERT_TRUE(WaitFor([&] { return !Get("filler", "{.metadata.deletionTimestamp}").empty(); }))
      << Events("critical");
  std::string uid = Get("critical", "{.metadata.uid}");
  EXPECT_TRUE(WaitFor([&] {
    return Events("filler").find("Preempted|default-scheduler|Preempted by pod " + uid +
                                 " on node small") != std::string::npos;
  })) << Events("filler");
  EXPECT_TRUE(WaitFor([&] { return Get("critical", "{.status.nominatedNodeName}") == "small"; }));
  EXPECT_EQ(NodeOf("critical"), "");  // the victim still holds its room while terminating
  ForceDelete("filler");              // what the node agent would do (DEL-4)
  ASSERT_TRUE(WaitBound("critical"));
  EXPECT_EQ(NodeOf("critical"), "small");
}

// AT-14: two pods wanting hostPort 9000 never share a node.
TEST_F(SchedulerE2ETest, HostPortConflictsKeepPodsApart) {
  Apply(NodeYaml("n1", "2"));
  Apply(NodeYaml("n2", "2"));
  const std::string port = "    ports: [{containerPort: 9000, hostPort: 9000}]\n";
  Apply(PodYaml("squatter", "100m", "  nodeName: n2\n", port));
  Apply(PodYaml("hp-a", "100m", "", port));
  ASSERT_TRUE(WaitBound("hp-a"));
  EXPECT_EQ(NodeOf("hp-a"), "n1");
  Apply(PodYaml("hp-b", "100m", "", port));
  ASSERT_TRUE(WaitFor([&] {
    return Events("hp-b").find("node(s) didn't have free ports for the requested pod ports") !=
           std::string::npos;
  })) << Events("hp-b");
  EXPECT_EQ(NodeOf("hp-b"), "");
  ForceDelete("squatter");
  ASSERT_TRUE(WaitBound("hp-b"));
  EXPECT_EQ(NodeOf("hp-b"), "n2");
}

}  // namespace
}  // namespace tinyk8s::testing
