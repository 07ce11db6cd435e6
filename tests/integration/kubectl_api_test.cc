// End-to-end: the real tinyk8s binary driven by the installed kubectl binaries.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

class KubectlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) {
      GTEST_SKIP() << "kubectl 1.32 is not installed";
    }
    // API behaviour only: no co-process may bind or delete the test's objects.
    cluster_ = std::make_unique<TestCluster>(
        std::vector<std::string>{"--disable", "scheduler,controllers,dns"});
    ASSERT_TRUE(cluster_->ok()) << "server did not start";
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0) << "graceful shutdown must exit 0";
    }
  }
  CommandResult K(const std::vector<std::string>& args) { return cluster_->Kubectl(args); }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(KubectlApiTest, DiscoveryTablesAndHealth) {
  for (std::string v : {"1.27", "1.32", "1.33"}) {
    if (!TestCluster::KubectlAvailable(v)) continue;
    auto ns = cluster_->Kubectl(v, {"get", "namespaces"});
    ASSERT_EQ(ns.exit_code, 0) << v << ": " << ns.err;
    EXPECT_NE(ns.out.find("NAME"), std::string::npos) << ns.out;
    EXPECT_NE(ns.out.find("STATUS"), std::string::npos) << ns.out;
    for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      EXPECT_NE(ns.out.find(name), std::string::npos) << v << " missing " << name;
    }
    auto res = cluster_->Kubectl(v, {"api-resources"});
    ASSERT_EQ(res.exit_code, 0) << v << ": " << res.err;
    EXPECT_NE(res.out.find("daemonsets"), std::string::npos) << res.out;
    EXPECT_NE(res.out.find("apps/v1"), std::string::npos) << res.out;
    EXPECT_NE(res.out.find("priorityclasses"), std::string::npos) << res.out;
  }
  auto pc = K({"get", "pc"});
  ASSERT_EQ(pc.exit_code, 0) << pc.err;
  EXPECT_NE(pc.out.find("system-node-critical      2000001000"), std::string::npos) << pc.out;
  auto ready = K({"get", "--raw", "/readyz"});
  EXPECT_EQ(ready.out, "ok");
}

TEST_F(KubectlApiTest, DaemonSetApplyGetDescribe) {
  ASSERT_EQ(K({"apply", "-f", Testdata("namespace-monitoring.yaml")}).exit_code, 0);
  auto created = K({"apply", "-f", Testdata("node-exporter-ds.yaml")});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "daemonset.apps/node-exporter created\n");

  auto wide = K({"get", "ds", "-n", "monitoring", "-o", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  for (const char* col :
       {"DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "CONTAINERS",
        "IMAGES", "SELECTOR", "prom/node-exporter:v1.6.0", "app=node-exporter"}) {
    EXPECT_NE(wide.out.find(col), std::string::npos) << "missing " << col << " in\n" << wide.out;
  }
  auto strategy =
      K({"get", "ds", "-n", "monitoring", "node-exporter", "-o",
         "jsonpath={.spec.updateStrategy.type} {.spec.updateStrategy.rollingUpdate.maxUnavailable} "
         "{.spec.revisionHistoryLimit} {.metadata.generation} "
         "{.spec.template.spec.containers[0].resources.requests.cpu} "
         "{.spec.template.spec.containers[0].imagePullPolicy}"});
  EXPECT_EQ(strategy.out, "RollingUpdate 1 10 1 150m IfNotPresent");

  auto all = K({"get", "ds", "-A"});
  EXPECT_NE(all.out.find("monitoring"), std::string::npos) << all.out;

  auto describe = K({"describe", "ds", "-n", "monitoring", "node-exporter"});
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("Selector:       app=node-exporter"), std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("Pods Status:  0 Running / 0 Waiting / 0 Succeeded / 0 Failed"),
            std::string::npos)
      << describe.out;

  // A changed manifest is "configured" (strategic merge patch) and bumps the generation;
  // applying the same file again changes nothing.
  auto configured = K({"apply", "-f", Testdata("node-exporter-ds-v2.yaml")});
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  EXPECT_EQ(configured.out, "daemonset.apps/node-exporter configured\n");
  auto gen = K({"get", "ds", "-n", "monitoring", "node-exporter", "-o",
                "jsonpath={.metadata.generation} {.spec.template.spec.containers[0].image} "
                "{.metadata.annotations.deprecated\\.daemonset\\.template\\.generation}"});
  EXPECT_EQ(gen.out, "2 prom/node-exporter:v1.7.0 2");
  auto unchanged = K({"apply", "-f", Testdata("node-exporter-ds-v2.yaml")});
  EXPECT_EQ(unchanged.out, "daemonset.apps/node-exporter unchanged\n");

  auto missing = K({"get", "ds", "-n", "monitoring", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): daemonsets.apps \"nope\" not found\n");

  auto deleted = K({"delete", "-f", Testdata("node-exporter-ds.yaml")});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "daemonset.apps \"node-exporter\" deleted\n");
}

TEST_F(KubectlApiTest, InvalidObjectsAreRefusedLikeUpstream) {
  auto bad = K({"apply", "-f", Testdata("bad-ds-no-selector.yaml")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("The DaemonSet \"bad-ds\" is invalid: spec.selector: Required value"),
            std::string::npos)
      << bad.err;
  auto dup = K({"create", "namespace", "default"});
  if (dup.err.find("UnsupportedMediaType") == std::string::npos) {
    EXPECT_EQ(dup.err,
              "Error from server (AlreadyExists): namespaces \"default\" already exists\n");
  }
  auto protect = K({"delete", "namespace", "kube-system"});
  EXPECT_EQ(protect.exit_code, 1);
  EXPECT_NE(protect.err.find("this namespace may not be deleted"), std::string::npos)
      << protect.err;
}

TEST_F(KubectlApiTest, NodesLabelPatchCordonDescribe) {
  auto nodes = K({"apply", "-f", Testdata("nodes.yaml")});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  auto get = K({"get", "nodes", "-o", "wide"});
  EXPECT_NE(get.out.find("node01   Ready"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("10.0.0.1"), std::string::npos) << get.out;

  EXPECT_EQ(K({"label", "nodes", "node01", "ssd=true"}).out, "node/node01 labeled\n");
  EXPECT_EQ(K({"get", "nodes", "-l", "ssd=true", "-o", "name"}).out, "node/node01\n");
  EXPECT_EQ(K({"get", "nodes", "-l", "ssd!=true", "-o", "name"}).out, "node/node02\n");
  EXPECT_EQ(K({"get", "nodes", "-l", "ssd in (true,yes)", "-o", "name"}).out, "node/node01\n");
  EXPECT_EQ(K({"label", "nodes", "node01", "ssd-"}).out, "node/node01 unlabeled\n");
  EXPECT_EQ(K({"get", "nodes", "-l", "ssd"}).err, "No resources found\n");

  EXPECT_EQ(K({"patch", "node", "node02", "--type=merge", "-p",
               R"({"metadata":{"labels":{"zone":"a"}}})"})
                .out,
            "node/node02 patched\n");
  EXPECT_EQ(K({"patch", "node", "node02", "--type=json", "-p",
               R"([{"op":"replace","path":"/metadata/labels/zone","value":"b"}])"})
                .out,
            "node/node02 patched\n");
  EXPECT_EQ(K({"get", "node", "node02", "-o", "jsonpath={.metadata.labels.zone}"}).out, "b");
  auto bad_patch =
      K({"patch", "node", "node02", "--type=json", "-p", R"([{"op":"remove","path":"/nope/x"}])"});
  EXPECT_NE(bad_patch.exit_code, 0);

  EXPECT_EQ(K({"cordon", "node01"}).out, "node/node01 cordoned\n");
  EXPECT_NE(K({"get", "nodes"}).out.find("Ready,SchedulingDisabled"), std::string::npos);
  EXPECT_EQ(K({"uncordon", "node01"}).out, "node/node01 uncordoned\n");

  auto describe = K({"describe", "node", "node01"});
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("Name:               node01"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("KubeletReady"), std::string::npos) << describe.out;
}

TEST_F(KubectlApiTest, PodsGracefulAndForcedDeletionAndWatch) {
  ASSERT_EQ(K({"apply", "-f", Testdata("nodes.yaml")}).exit_code, 0);
  // `get -w` sees a pod appear (run for a few seconds in the background).
  CommandResult watch;
  std::thread watcher([&] {
    watch = cluster_->Kubectl("1.32", {"get", "pods", "-w", "--request-timeout=4s"}, "", 20);
  });
  SleepMillis(1500);
  auto web = K({"apply", "-f", Testdata("pod-on-node01.yaml")});
  ASSERT_EQ(web.exit_code, 0) << web.err;
  watcher.join();
  EXPECT_NE(watch.out.find("web"), std::string::npos) << watch.out << watch.err;

  auto defaults = K({"get", "pod", "web", "-o",
                     "jsonpath={.spec.restartPolicy} {.spec.dnsPolicy} {.spec.schedulerName} "
                     "{.spec.terminationGracePeriodSeconds} {.spec.priority} {.status.phase} "
                     "{.spec.containers[0].imagePullPolicy}"});
  EXPECT_EQ(defaults.out, "Always ClusterFirst default-scheduler 30 0 Pending IfNotPresent");

  auto wide = K({"get", "pods", "-o", "wide"});
  EXPECT_NE(wide.out.find("node01"), std::string::npos) << wide.out;
  EXPECT_NE(wide.out.find("NOMINATED NODE"), std::string::npos) << wide.out;

  // A scheduled pod is deleted gracefully: it stays Terminating until its node confirms.
  auto graceful = K({"delete", "pod", "web", "--wait=false"});
  EXPECT_EQ(graceful.out, "pod \"web\" deleted\n");
  EXPECT_NE(K({"get", "pod", "web"}).out.find("Terminating"), std::string::npos);
  auto forced = K({"delete", "pod", "web", "--force", "--grace-period=0"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("pod \"web\" force deleted"), std::string::npos) << forced.out;
  EXPECT_EQ(K({"get", "pod", "web"}).exit_code, 1);

  // An unscheduled pod goes at once.
  ASSERT_EQ(K({"apply", "-f", Testdata("pod-unscheduled.yaml")}).exit_code, 0);
  EXPECT_EQ(
      K({"get", "pod", "pending", "-o", "jsonpath={.spec.containers[0].imagePullPolicy}"}).out,
      "Always");
  EXPECT_EQ(K({"delete", "pod", "pending"}).out, "pod \"pending\" deleted\n");
  EXPECT_EQ(K({"get", "pods"}).err, "No resources found in default namespace.\n");
}

}  // namespace
}  // namespace tinyk8s::testing
