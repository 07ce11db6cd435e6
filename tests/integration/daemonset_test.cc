// End-to-end DaemonSet scenarios (behavior-spec AT-1, AT-5..AT-10, AT-15, E2E-1/4/5/6/7) on
// `tinyk8s server --nodes 3` with the real controller manager, scheduler and node agent, driven
// by kubectl 1.32 (and 1.27 for rollout history/undo). Never asserts on timing: polls with
// deadlines.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {
namespace {

class DaemonSetE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestCluster::KubectlAvailable("1.32")) {
      GTEST_SKIP() << "kubectl 1.32 is not installed";
    }
    cluster_ =
        std::make_unique<TestCluster>(std::vector<std::string>{"--nodes", "3", "--disable", "dns"});
    ASSERT_TRUE(cluster_->ok());
    ASSERT_TRUE(WaitFor(
        [&] {
          return SplitLines(Get({"get", "nodes", "--no-headers"})).size() == 3;
        },
        60));
    ASSERT_EQ(K({"create", "namespace", "t"}).exit_code, 0);
  }
  void TearDown() override {
    if (cluster_) {
      EXPECT_EQ(cluster_->Stop(), 0);
    }
  }
  CommandResult K(std::vector<std::string> args, const std::string& version = "1.32") {
    args.insert(args.begin(), "-n=t");
    return cluster_->Kubectl(version, args);
  }
  std::string Get(const std::vector<std::string>& args) { return K(args).out; }
  // "pod node phase ready hash image deleting" per pod of `app`.
  std::vector<std::string> PodRows(const std::string& app) {
    return SplitLines(
        Get({"get", "pods", "-l", "app=" + app, "-o",
             "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} "
             "{.status.conditions[?(@.type==\"Ready\")].status} "
             "{.metadata.labels.controller-revision-hash} {.spec.containers[0].image} "
             "{.metadata.deletionTimestamp}{\"\\n\"}{end}"}));
  }
  // Every node has exactly one Running+Ready non-terminating pod of `app` with `image`.
  bool RunningEverywhere(const std::string& app, const std::string& image = "") {
    std::map<std::string, int> per_node;
    for (const std::string& row : PodRows(app)) {
      std::istringstream in(row);
      std::string name, node, phase, ready, hash, img, deleting;
      in >> name >> node >> phase >> ready >> hash >> img >> deleting;
      if (!deleting.empty()) continue;
      if (phase != "Running" || ready != "True") return false;
      if (!image.empty() && img != image) return false;
      per_node[node]++;
    }
    if (per_node.size() != 3) return false;
    for (const auto& [n, c] : per_node) {
      if (c != 1) return false;
    }
    return true;
  }
  std::string DsField(const std::string& name, const std::string& path) {
    return Get({"get", "ds", name, "-o", "jsonpath={" + path + "}"});
  }
  bool StatusSettled(const std::string& name, int desired) {
    std::string d = std::to_string(desired);
    return DsField(name, ".status.desiredNumberScheduled") == d &&
           DsField(name, ".status.numberReady") == d &&
           DsField(name, ".status.updatedNumberScheduled") == d &&
           DsField(name, ".status.numberAvailable") == d &&
           DsField(name, ".status.observedGeneration") == DsField(name, ".metadata.generation");
  }
  // Pid of this cluster's controller manager (found through its kubeconfig path).
  int ControllerManagerPid() {
    DIR* d = opendir("/proc");
    if (d == nullptr) return -1;
    int found = -1;
    while (dirent* e = readdir(d)) {
      std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline");
      std::string cmd;
      try {
        cmd.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
      } catch (const std::exception&) {
        continue;  // the process exited between open and read (ESRCH)
      }
      if (cmd.find(std::string("controller-manager") + '\0') != std::string::npos &&
          cmd.find(cluster_->dir()) != std::string::npos) {
        found = std::atoi(e->d_name);
      }
    }
    closedir(d);
    return found;
  }

  std::unique_ptr<TestCluster> cluster_;
};

// AT-1, E2E-1, AT-5, AT-6 (E2E-4).
TEST_F(DaemonSetE2eTest, RunsEverywhereAndReplacesDeletedAndFailedPods) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("ds1") && StatusSettled("ds1", 3); }, 60))
      << Get({"get", "pods", "-o", "wide"}) << Get({"get", "ds", "ds1", "-o", "yaml"});
  std::string wide = Get({"get", "ds", "ds1", "--no-headers"});
  std::istringstream cols(wide);
  std::string col, row;
  for (int i = 0; i < 7 && cols >> col; ++i) row += col + " ";
  EXPECT_EQ(row, "ds1 3 3 3 3 3 <none> ") << wide;  // DESIRED CURRENT READY UP-TO-DATE AVAILABLE
  EXPECT_EQ(DsField("ds1", ".status.numberMisscheduled"), "0");
  EXPECT_EQ(DsField("ds1", ".status.numberUnavailable"), "");
  // Pod shape (DS-9).
  std::string pod = SplitLines(Get({"get", "pods", "-l", "app=ds1", "-o", "name"}))[0];
  EXPECT_EQ(
      Get({"get", pod, "-o",
           "jsonpath={.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].controller} "
           "{.metadata.ownerReferences[0].blockOwnerDeletion} "
           "{.metadata.labels.pod-template-generation}"}),
      "DaemonSet true true 1");
  EXPECT_EQ(
      Get({"get", pod, "-o",
           "jsonpath={.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
           "nodeSelectorTerms[0].matchFields[0].key}"}),
      "metadata.name");
  EXPECT_EQ(SplitLines(Get({"get", pod, "-o",
                            "jsonpath={range .spec.tolerations[*]}{.key}{\"\\n\"}{end}"}))
                .size(),
            6u);
  // One revision whose hash the pods carry.
  auto revs = SplitLines(Get({"get", "controllerrevisions", "-l", "app=ds1", "-o",
                              "jsonpath={range .items[*]}{.revision} "
                              "{.metadata.labels.controller-revision-hash}{\"\\n\"}{end}"}));
  ASSERT_EQ(revs.size(), 1u);
  EXPECT_EQ(revs[0],
            "1 " + Get({"get", pod, "-o", "jsonpath={.metadata.labels.controller-revision-hash}"}));
  EXPECT_TRUE(WaitFor([&] {
    std::string ev =
        Get({"get", "events", "--field-selector", "reason=SuccessfulCreate", "-o",
             "jsonpath={range .items[*]}{.message} {.reportingComponent}{\"\\n\"}{end}"});
    return SplitLines(ev).size() == 3 && ev.find("Created pod: ds1-") != std::string::npos &&
           ev.find("daemonset-controller") != std::string::npos;
  }));

  // AT-5: a deleted pod comes back on its node (kubectl waits for the node to finish it).
  std::string node = Get({"get", pod, "-o", "jsonpath={.spec.nodeName}"});
  ASSERT_EQ(K({"delete", pod, "--timeout=60s"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("ds1"); }, 60))
      << Get({"get", "pods", "-o", "wide"});
  // AT-6: a failed pod is removed and replaced.
  std::string victim = SplitLines(Get({"get", "pods", "-l", "app=ds1", "-o", "name"}))[1];
  ASSERT_EQ(K({"patch", victim, "--subresource=status", "--type=merge", "-p",
               R"({"status":{"phase":"Failed"}})"})
                .exit_code,
            0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return K({"get", victim}).exit_code != 0 && RunningEverywhere("ds1");
      },
      60));
  EXPECT_TRUE(WaitFor([&] {
    return Get({"get", "events", "--field-selector", "reason=FailedDaemonPod", "-o", "name"}) != "";
  }));
}

// AT-7, E2E-6: the rolling update never has more than maxUnavailable nodes without a ready pod
// (checked by polling all through the rollout) and rollout status finishes.
TEST_F(DaemonSetE2eTest, RollingUpdateRespectsMaxUnavailable) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds-roll.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("roll") && StatusSettled("roll", 3); }, 60));
  std::atomic<bool> done{false};
  std::atomic<int> worst{0};
  std::atomic<int> max_per_node{0};
  std::thread watcher([&] {
    while (!done) {
      std::map<std::string, int> ready_per_node, live_per_node;
      for (const std::string& row : PodRows("roll")) {
        std::istringstream in(row);
        std::string name, node, phase, ready, hash, img, deleting;
        in >> name >> node >> phase >> ready >> hash >> img >> deleting;
        if (node.empty() || !deleting.empty()) continue;
        live_per_node[node]++;
        if (phase == "Running" && ready == "True") ready_per_node[node]++;
      }
      int without = 3 - static_cast<int>(ready_per_node.size());
      if (without > worst) worst = without;
      for (const auto& [n, c] : live_per_node) {
        if (c > max_per_node) max_per_node = c;
      }
    }
  });
  ASSERT_EQ(K({"set", "image", "ds/roll", "agent=registry.local/agent:2.0"}).exit_code, 0);
  auto status =
      cluster_->Kubectl("1.32", {"-n=t", "rollout", "status", "ds/roll", "--timeout=90s"}, "", 100);
  done = true;
  watcher.join();
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_NE(status.out.find("daemon set \"roll\" successfully rolled out"), std::string::npos)
      << status.out;
  EXPECT_LE(worst.load(), 1);
  EXPECT_LE(max_per_node.load(), 1);
  EXPECT_TRUE(RunningEverywhere("roll", "registry.local/agent:2.0"));
  EXPECT_EQ(SplitLines(Get({"get", "controllerrevisions", "-l", "app=roll", "-o", "name"})).size(),
            2u);
  EXPECT_EQ(DsField("roll", ".status.observedGeneration"), "2");
}

// AT-8, E2E-5: OnDelete keeps pods until they are deleted by hand.
TEST_F(DaemonSetE2eTest, OnDeleteReplacesOnlyDeletedPods) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds-ondelete.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("od") && StatusSettled("od", 3); }, 60));
  auto before = SplitLines(Get({"get", "pods", "-l", "app=od", "-o", "name"}));
  ASSERT_EQ(K({"set", "image", "ds/od", "agent=registry.local/agent:2.0"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return DsField("od", ".status.observedGeneration") == "2"; }, 60));
  EXPECT_EQ(DsField("od", ".status.updatedNumberScheduled"), "");
  EXPECT_EQ(SplitLines(Get({"get", "pods", "-l", "app=od", "-o", "name"})), before);
  auto rs = K({"rollout", "status", "ds/od"});
  EXPECT_NE(rs.exit_code, 0);
  EXPECT_NE(rs.err.find("rollout status is only available for RollingUpdate strategy type"),
            std::string::npos);
  ASSERT_EQ(K({"delete", before[0], "--timeout=60s"}).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return DsField("od", ".status.updatedNumberScheduled") == "1" && RunningEverywhere("od");
      },
      60));
  auto after = SplitLines(Get({"get", "pods", "-l", "app=od", "-o", "name"}));
  EXPECT_EQ(std::count(after.begin(), after.end(), before[1]), 1);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[2]), 1);
}

// AT-9, E2E-7, KCTL-4..8 with kubectl 1.32 and 1.27.
TEST_F(DaemonSetE2eTest, RolloutHistoryUndoRestart) {
  for (const std::string v : {"1.32", "1.27"}) {
    if (!TestCluster::KubectlAvailable(v)) continue;
    SCOPED_TRACE("kubectl " + v);
    const std::string name = v == "1.32" ? "hist" : "hist27";
    std::string yaml;
    {
      std::ifstream f(Testdata("ds1.yaml"));
      yaml.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    for (size_t p; (p = yaml.find("ds1")) != std::string::npos;) yaml.replace(p, 3, name);
    ASSERT_EQ(cluster_->Kubectl(v, {"-n=t", "apply", "-f", "-"}, yaml).exit_code, 0);
    ASSERT_TRUE(WaitFor([&] { return RunningEverywhere(name) && StatusSettled(name, 3); }, 60));
    auto hash_of = [&](const std::string& pod) {
      return Get({"get", "pod", pod, "-o", "jsonpath={.metadata.labels.controller-revision-hash}"});
    };
    for (const std::string img : {"2.0", "3.0"}) {
      ASSERT_EQ(K({"annotate", "ds/" + name, "--overwrite",
                   "kubernetes.io/change-cause=v" + img.substr(0, 1)},
                  v)
                    .exit_code,
                0);
      ASSERT_EQ(K({"set", "image", "ds/" + name, "agent=registry.local/agent:" + img}, v).exit_code,
                0);
      auto st = cluster_->Kubectl(v, {"-n=t", "rollout", "status", "ds/" + name, "--timeout=90s"},
                                  "", 100);
      ASSERT_EQ(st.exit_code, 0) << st.out << st.err;
    }
    auto hist = K({"rollout", "history", "ds/" + name}, v);
    EXPECT_EQ(hist.exit_code, 0);
    EXPECT_NE(hist.out.find("1         <none>"), std::string::npos) << hist.out;
    EXPECT_NE(hist.out.find("2         v2"), std::string::npos) << hist.out;
    EXPECT_NE(hist.out.find("3         v3"), std::string::npos) << hist.out;
    auto rev2 = K({"rollout", "history", "ds/" + name, "--revision=2"}, v);
    EXPECT_NE(rev2.out.find("registry.local/agent:2.0"), std::string::npos) << rev2.out;
    std::string rev2_name = Get(
        {"get", "controllerrevisions", "-o", "jsonpath={.items[?(@.revision==2)].metadata.name}"});
    auto undo = K({"rollout", "undo", "ds/" + name}, v);
    EXPECT_EQ(undo.exit_code, 0) << undo.err;
    EXPECT_NE(undo.out.find("rolled back"), std::string::npos) << undo.out;
    ASSERT_TRUE(WaitFor(
        [&] {
          return RunningEverywhere(name, "registry.local/agent:2.0") && StatusSettled(name, 3);
        },
        90));
    // The old revision 2 object is renumbered to 4; pods carry its hash (DS-42, DS-45).
    EXPECT_EQ(Get({"get", "controllerrevision", rev2_name, "-o", "jsonpath={.revision}"}), "4");
    std::string pod =
        SplitLines(Get({"get", "pods", "-l", "app=" + name, "-o",
                        "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"}))[0];
    EXPECT_EQ(hash_of(pod), Get({"get", "controllerrevision", rev2_name, "-o",
                                 "jsonpath={.metadata.labels.controller-revision-hash}"}));
    auto skip = K({"rollout", "undo", "ds/" + name, "--to-revision=4"}, v);
    EXPECT_NE(skip.out.find("skipped rollback (current template already matches revision 4)"),
              std::string::npos)
        << skip.out << skip.err;
    auto missing = K({"rollout", "undo", "ds/" + name, "--to-revision=9"}, v);
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.err.find("unable to find specified revision 9 in history"), std::string::npos)
        << missing.err;
    // rollout restart: a new revision and a rolling restart.
    auto restart = K({"rollout", "restart", "ds/" + name}, v);
    EXPECT_EQ(restart.exit_code, 0) << restart.err;
    auto st =
        cluster_->Kubectl(v, {"-n=t", "rollout", "status", "ds/" + name, "--timeout=90s"}, "", 100);
    EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
    EXPECT_NE(
        hash_of(SplitLines(Get({"get", "pods", "-l", "app=" + name, "-o",
                                "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"}))[0]),
        hash_of(pod));
  }
}

// AT-10, AT-10b, AT-10c: background, orphan and foreground deletion.
TEST_F(DaemonSetE2eTest, DeleteCascadesOrOrphans) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("ds1") && StatusSettled("ds1", 3); }, 60));
  // Orphan: pods stay without owner; re-applying adopts them and creates nothing.
  auto pods = SplitLines(Get({"get", "pods", "-l", "app=ds1", "-o", "name"}));
  ASSERT_EQ(K({"delete", "ds", "ds1", "--cascade=orphan"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return K({"get", "ds", "ds1"}).exit_code != 0; }, 30));
  ASSERT_TRUE(WaitFor(
      [&] {
        // Without the last reference the list is gone, not empty (Go's omitempty upstream).
        return Get({"get", "pods", "-l", "app=ds1", "-o",
                    "jsonpath={.items[*].metadata.ownerReferences}"}) == "";
      },
      30))
      << Get({"get", "pods", "-o", "yaml"});
  EXPECT_EQ(SplitLines(Get({"get", "pods", "-l", "app=ds1", "-o", "name"})), pods);
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  std::string uid = DsField("ds1", ".metadata.uid");
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string owners = Get({"get", "pods", "-l", "app=ds1", "-o",
                                  "jsonpath={.items[*].metadata.ownerReferences[0].uid}"});
        return owners == uid + " " + uid + " " + uid;
      },
      30));
  ASSERT_TRUE(WaitFor([&] { return StatusSettled("ds1", 3); }, 30));
  EXPECT_EQ(SplitLines(Get({"get", "pods", "-l", "app=ds1", "-o", "name"})), pods);
  // Foreground: the DS stays with its finalizer until the pods are gone.
  ASSERT_EQ(K({"delete", "ds", "ds1", "--cascade=foreground", "--wait=false"}).exit_code, 0);
  std::string fin = DsField("ds1", ".metadata.finalizers");
  EXPECT_TRUE(fin.empty() || fin.find("foregroundDeletion") != std::string::npos) << fin;
  ASSERT_TRUE(WaitFor(
      [&] {
        return K({"get", "ds", "ds1"}).exit_code != 0 &&
               Get({"get", "pods", "-l", "app=ds1", "-o", "name"}).empty();
      },
      60));
  // Background (the default): DS gone at once, then pods and revisions.
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("ds1"); }, 60));
  ASSERT_EQ(K({"delete", "ds", "ds1"}).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Get({"get", "pods", "-l", "app=ds1", "-o", "name"}).empty() &&
               Get({"get", "controllerrevisions", "-l", "app=ds1", "-o", "name"}).empty();
      },
      60));
}

// AT-10d: deleting the namespace empties it and it disappears.
TEST_F(DaemonSetE2eTest, NamespaceDeletionEmptiesAndRemovesIt) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  ASSERT_EQ(K({"create", "configmap", "c1", "--from-literal=a=b"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("ds1"); }, 60));
  auto del = cluster_->Kubectl("1.32", {"delete", "namespace", "t", "--timeout=90s"}, "", 100);
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_TRUE(WaitFor(
      [&] {
        return cluster_->Kubectl({"get", "namespace", "t"}).exit_code != 0;
      },
      60));
  EXPECT_EQ(cluster_->Kubectl({"get", "pods", "-A", "-l", "app=ds1", "-o", "name"}).out, "");
}

// AT-15b, KCTL drain: cordon keeps daemon pods; drain --ignore-daemonsets evicts the rest.
TEST_F(DaemonSetE2eTest, CordonAndDrainKeepDaemonPods) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds1.yaml")}).exit_code, 0);
  ASSERT_EQ(K({"run", "plain", "--image=nginx", "--overrides",
               R"({"spec":{"nodeSelector":{"kubernetes.io/hostname":"node01"}}})"})
                .exit_code,
            0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return RunningEverywhere("ds1") &&
               Get({"get", "pod", "plain", "-o", "jsonpath={.status.phase}"}) == "Running";
      },
      60));
  auto drain = cluster_->Kubectl(
      "1.32", {"drain", "node01", "--ignore-daemonsets", "--force", "--timeout=60s"}, "", 90);
  EXPECT_EQ(drain.exit_code, 0) << drain.out << drain.err;
  EXPECT_NE(drain.out.find("node/node01 drained"), std::string::npos) << drain.out;
  EXPECT_NE(K({"get", "pod", "plain"}).exit_code, 0);
  // The daemon pod stays; a deleted one is recreated on the cordoned node (DS-7).
  EXPECT_TRUE(RunningEverywhere("ds1"));
  ASSERT_TRUE(WaitFor(
      [&] {
        return Get({"get", "node", "node01", "-o", "jsonpath={.spec.taints[*].key}"})
                   .find("node.kubernetes.io/unschedulable") != std::string::npos;
      },
      30))
      << "cordon taint not added";
  std::string on_node01 = Get(
      {"get", "pods", "-l", "app=ds1", "--field-selector", "spec.nodeName=node01", "-o", "name"});
  ASSERT_EQ(K({"delete", SplitLines(on_node01)[0], "--timeout=60s"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return RunningEverywhere("ds1"); }, 60));
  ASSERT_EQ(cluster_->Kubectl({"uncordon", "node01"}).exit_code, 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return Get({"get", "node", "node01", "-o", "jsonpath={.spec.taints[*].key}"})
                   .find("unschedulable") == std::string::npos;
      },
      30));
}

// Level-triggered: SIGKILL the controller manager in the middle of a rollout; the supervisor
// restarts it and the rollout finishes with never two live pods on a node.
TEST_F(DaemonSetE2eTest, ControllerManagerKilledMidRolloutRecovers) {
  ASSERT_EQ(K({"apply", "-f", Testdata("ds-roll.yaml")}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return RunningEverywhere("roll") && StatusSettled("roll", 3); }, 60));
  std::atomic<bool> done{false};
  std::atomic<int> max_per_node{0};
  std::thread watcher([&] {
    while (!done) {
      std::map<std::string, int> live;
      for (const std::string& row : PodRows("roll")) {
        std::istringstream in(row);
        std::string name, node, phase, ready, hash, img, deleting;
        in >> name >> node >> phase >> ready >> hash >> img >> deleting;
        if (!node.empty() && deleting.empty()) live[node]++;
      }
      for (const auto& [n, c] : live) {
        if (c > max_per_node) max_per_node = c;
      }
    }
  });
  // Joins the watcher however the test leaves (a failed ASSERT returns early).
  struct JoinWatcher {
    std::atomic<bool>& done;
    std::thread& watcher;
    ~JoinWatcher() {
      done = true;
      if (watcher.joinable()) watcher.join();
    }
  } join_watcher{done, watcher};
  auto set_image = K({"set", "image", "ds/roll", "agent=registry.local/agent:2.0"});
  ASSERT_EQ(set_image.exit_code, 0) << set_image.out << set_image.err;
  for (int i = 0; i < 3; ++i) {
    // The supervisor may be between two starts of the controller manager (restart backoff).
    int pid = -1;
    ASSERT_TRUE(WaitFor([&] { return (pid = ControllerManagerPid()) > 0; }, 30));
    kill(pid, SIGKILL);
    ASSERT_TRUE(WaitFor(
        [&] {
          int p = ControllerManagerPid();
          return p > 0 && p != pid;
        },
        30));
    SleepMillis(300);
  }
  auto status = cluster_->Kubectl(
      "1.32", {"-n=t", "rollout", "status", "ds/roll", "--timeout=120s"}, "", 130);
  done = true;
  watcher.join();
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_LE(max_per_node.load(), 1);
  EXPECT_TRUE(WaitFor([&] { return RunningEverywhere("roll", "registry.local/agent:2.0"); }, 60));
}

}  // namespace
}  // namespace tinyk8s::testing
