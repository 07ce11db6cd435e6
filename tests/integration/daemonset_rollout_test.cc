// End-to-end DaemonSet rollouts beyond daemonset_test.cc, on simulated nodes with kubectl 1.32
// and 1.27: rollback without needless restarts (E2E-7, AT-9b), forced deletion (AT-5), failed
// pods (AT-6), surge
// (E2E-8 without probes), revisionHistoryLimit (AT-9c), OnDelete revisions and hashes (E2E-5),
// and maxUnavailable with minReadySeconds on four nodes (AT-7, AT-7b, E2E-6). Invariants are
// checked by a sampler thread all through each rollout; nothing is asserted about timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "tests/integration/ds_scenario.h"

namespace tinyk8s::testing {
namespace {

class DaemonSetRolloutTest : public DsScenarioTest {
 protected:
  void StartNodes(size_t nodes) {
    ASSERT_NO_FATAL_FAILURE(Start(nodes));
    for (size_t i = 1; i <= nodes; ++i) all_.insert("node0" + std::to_string(i));
  }
  void RunDs(const std::string& yaml, const std::string& name, const std::string& v = "1.32") {
    auto r = ds_->Apply(yaml, v);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(Eventually(
        [&] { return ds_->RunningExactlyOn(name, all_) && ds_->StatusSettled(name, all_.size()); },
        60))
        << ds_->Get({"get", "pods", "-o", "wide"});
  }
  std::vector<std::string> RevisionNumbers(const std::string& app) {
    auto out = SplitWords(ds_->Get(
        {"get", "controllerrevisions", "-l", "app=" + app, "-o", "jsonpath={.items[*].revision}"}));
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string CurrentHash(const std::string& app) {
    // The revision with the highest number is the current one after a finished rollout.
    std::string best, best_hash;
    for (const std::string& line :
         SplitLines(ds_->Get({"get", "controllerrevisions", "-l", "app=" + app, "-o",
                              "jsonpath={range .items[*]}{.revision} "
                              "{.metadata.labels.controller-revision-hash}{\"\\n\"}{end}"}))) {
      auto w = SplitWords(line);
      if (w.size() == 2 && (best.empty() || std::stoi(w[0]) > std::stoi(best))) {
        best = w[0];
        best_hash = w[1];
      }
    }
    return best_hash;
  }

  std::set<std::string> all_;
};

// E2E-7 and AT-9b with kubectl 1.27: a broken image is rolled back, and the pods that never
// got it keep their names and UIDs. AT-5: a force-deleted pod is replaced too.
TEST_F(DaemonSetRolloutTest, RollbackWithoutUnnecessaryRestarts) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(3));
  DsScenario& d = *ds_;
  RunDs(DaemonSetYaml("ds1"), "ds1", "1.27");
  // AT-5: never more than one live daemon pod per node while pods are force-deleted.
  std::atomic<int> most_per_node{0};
  {
    Sampler sampler([&] {
      std::map<std::string, int> live;
      for (const DaemonPod& p : d.Pods("ds1")) {
        if (p.Live() && !p.node.empty()) live[p.node]++;
      }
      for (const auto& [node, n] : live) most_per_node = std::max(most_per_node.load(), n);
    });
    std::string victim = d.PodOn("ds1", "node02");
    ASSERT_EQ(d.K({"delete", "pod", victim, "--grace-period=0", "--force"}, "1.27").exit_code, 0);
    ASSERT_TRUE(Eventually([&] {
      std::string now = d.PodOn("ds1", "node02");
      return !now.empty() && now != victim && d.RunningExactlyOn("ds1", all_);
    }));
  }
  EXPECT_EQ(most_per_node.load(), 1);
  // AT-6 (E2E-4) through kubectl 1.27: a failed pod is reported, removed and replaced.
  std::string failed = d.PodOn("ds1", "node03");
  auto fail = d.K({"patch", "pod", failed, "--subresource=status", "--type=merge", "-p",
                   R"({"status":{"phase":"Failed"}})"},
                  "1.27");
  ASSERT_EQ(fail.exit_code, 0) << fail.err;
  ASSERT_TRUE(Eventually([&] {
    return d.K({"get", "pod", failed}).exit_code != 0 && d.RunningExactlyOn("ds1", all_);
  }));
  EXPECT_TRUE(Eventually([&] {
    return d.Events("reason=FailedDaemonPod")
               .find("Found failed daemon pod t/" + failed +
                     " on node node03, will try to kill it") != std::string::npos;
  })) << d.Events("reason=FailedDaemonPod");

  std::map<std::string, std::string> before;  // name -> uid
  for (const DaemonPod& p : d.Pods("ds1")) before[p.name] = p.uid;
  ASSERT_EQ(d.K({"set", "image", "ds/ds1", "agent=foo:non-existent"}, "1.27").exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    int broken = 0, old = 0;
    for (const DaemonPod& p : d.Pods("ds1")) {
      if (!p.Live()) continue;
      if (p.image == "foo:non-existent") ++broken;
      if (p.image == "registry.local/agent:1.0") ++old;
    }
    return broken >= 1 && old >= 1;
  })) << d.Get({"get", "pods", "-o", "wide"});
  // The broken pod never becomes ready, so the rollout stops there (maxUnavailable 1).
  std::set<std::string> kept;
  for (const DaemonPod& p : d.Pods("ds1")) {
    if (p.Live() && p.image == "registry.local/agent:1.0") kept.insert(p.name);
  }
  EXPECT_EQ(kept.size(), 2u);
  for (const DaemonPod& p : d.Pods("ds1")) {
    if (p.image == "foo:non-existent") {
      EXPECT_NE(p.ready, "True") << p.name;
    }
  }
  std::atomic<int> worst{0};
  {
    Sampler sampler([&] {
      std::set<std::string> ready;
      for (const DaemonPod& p : d.Pods("ds1")) {
        if (p.Live() && p.RunningReady()) ready.insert(p.node);
      }
      worst = std::max(worst.load(), static_cast<int>(all_.size() - ready.size()));
    });
    ASSERT_EQ(d.K({"set", "image", "ds/ds1", "agent=registry.local/agent:1.0"}, "1.27").exit_code,
              0);
    auto st = d.K({"rollout", "status", "ds/ds1", "--timeout=90s"}, "1.27", "", 100);
    EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
    ASSERT_TRUE(Eventually([&] {
      return d.RunningExactlyOn("ds1", all_, "registry.local/agent:1.0") &&
             d.StatusSettled("ds1", 3);
    }));
  }
  EXPECT_LE(worst.load(), 1);
  for (const std::string& name : kept) {
    EXPECT_EQ(d.Get({"get", "pod", name, "-o", "jsonpath={.metadata.uid}"}), before[name]) << name;
  }
  EXPECT_EQ(RevisionNumbers("ds1"), (std::vector<std::string>{"2", "3"}));
}

// E2E-8 without probes: maxSurge 1 and maxUnavailable 0 keep a ready pod on every node and
// at most two pods per node, also when a surge pod is deleted mid-rollout. AT-9c:
// revisionHistoryLimit 1. E2E-5: OnDelete keeps old hashes.
TEST_F(DaemonSetRolloutTest, SurgeHistoryLimitAndOnDelete) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(3));
  DsScenario& d = *ds_;
  RunDs(DaemonSetYaml("surge",
                      "minReadySeconds: 2\nrevisionHistoryLimit: 1\nupdateStrategy:\n"
                      "  type: RollingUpdate\n  rollingUpdate: {maxSurge: 1, maxUnavailable: 0}",
                      "", "env: [{name: VERSION, value: \"1\"}]"),
        "surge");
  std::atomic<int> most_per_node{0};
  std::atomic<int> least_ready{3};
  for (const std::string version : {"2", "3", "4"}) {
    SCOPED_TRACE("VERSION " + version);
    Sampler sampler([&] {
      std::map<std::string, int> live, ready;
      for (const DaemonPod& p : d.Pods("surge")) {
        if (!p.Live() || p.node.empty()) continue;
        live[p.node]++;
        if (p.RunningReady()) ready[p.node]++;
      }
      for (const auto& [node, n] : live) most_per_node = std::max(most_per_node.load(), n);
      least_ready = std::min(least_ready.load(), static_cast<int>(ready.size()));
    });
    const std::string old_hash = CurrentHash("surge");
    auto env = d.K({"set", "env", "ds/surge", "VERSION=" + version});
    ASSERT_EQ(env.exit_code, 0) << env.err;
    if (version == "3") {
      // E2E-8's disruption: a surge pod is deleted while its node still runs the old pod; the
      // controller makes another one and the rollout still finishes.
      std::string deleted;
      ASSERT_TRUE(Eventually([&] {
        std::map<std::string, std::vector<DaemonPod>> live;
        for (const DaemonPod& p : d.Pods("surge")) {
          if (p.Live() && !p.node.empty()) live[p.node].push_back(p);
        }
        for (const auto& [node, pods] : live) {
          if (pods.size() != 2) continue;
          const DaemonPod& surge = pods[0].hash == old_hash ? pods[1] : pods[0];
          if (surge.hash == old_hash) continue;
          if (d.K({"delete", "pod", surge.name, "--wait=false"}).exit_code == 0) {
            deleted = surge.name;
            return true;
          }
        }
        return false;
      })) << d.Get({"get", "pods", "-o", "wide"});
      EXPECT_TRUE(Eventually([&] { return d.K({"get", "pod", deleted}).exit_code != 0; }));
    }
    auto st = d.K({"rollout", "status", "ds/surge", "--timeout=90s"}, "1.32", "", 100);
    EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
    ASSERT_TRUE(Eventually(
        [&] { return d.RunningExactlyOn("surge", all_) && d.StatusSettled("surge", 3); }));
    sampler.Stop();
    std::string hash = CurrentHash("surge");
    for (const DaemonPod& p : d.Pods("surge")) {
      if (p.Live()) {
        EXPECT_EQ(p.hash, hash) << p.name;
      }
    }
  }
  EXPECT_EQ(most_per_node.load(), 2);  // the surge did happen, and never beyond one per node
  EXPECT_EQ(least_ready.load(), 3);
  // AT-9c: the current revision and one old one (the limit) remain (DS-44).
  EXPECT_TRUE(Eventually([&] {
    return RevisionNumbers("surge") == std::vector<std::string>{"3", "4"};
  })) << ::testing::PrintToString(RevisionNumbers("surge"));

  // E2E-5: OnDelete.
  RunDs(DaemonSetYaml("od", "updateStrategy: {type: OnDelete}"), "od", "1.27");
  EXPECT_EQ(RevisionNumbers("od"), std::vector<std::string>{"1"});
  std::string first_hash = CurrentHash("od");
  ASSERT_EQ(d.K({"set", "image", "ds/od", "agent=registry.local/agent:2.0"}, "1.27").exit_code, 0);
  ASSERT_TRUE(Eventually([&] {
    return RevisionNumbers("od") == std::vector<std::string>{"1", "2"};
  }));
  ASSERT_TRUE(Eventually([&] { return d.DsField("od", ".status.observedGeneration") == "2"; }));
  EXPECT_NE(CurrentHash("od"), first_hash);
  EXPECT_TRUE(d.RunningExactlyOn("od", all_, "registry.local/agent:1.0"));
  for (const DaemonPod& p : d.Pods("od")) {
    EXPECT_EQ(p.hash, first_hash) << p.name;
  }
}

// AT-7 on four nodes: maxUnavailable 2 and minReadySeconds 5; rollout status lines; never more
// than two nodes without an available pod; numberAvailable lags numberReady. AT-7b: 30% of four
// rounds up to two.
TEST_F(DaemonSetRolloutTest, MaxUnavailableWithMinReadySecondsOnFourNodes) {
  ASSERT_NO_FATAL_FAILURE(StartNodes(4));
  DsScenario& d = *ds_;
  for (const std::string mu : {"2", "\"30%\""}) {
    SCOPED_TRACE("maxUnavailable " + mu);
    const std::string name = mu == "2" ? "roll" : "pct";
    RunDs(DaemonSetYaml(name,
                        "minReadySeconds: 5\nupdateStrategy:\n  type: RollingUpdate\n"
                        "  rollingUpdate: {maxUnavailable: " +
                            mu + "}"),
          name);
    std::atomic<int> worst{0};
    std::atomic<bool> lagged{false};
    Sampler sampler([&] {
      auto w = SplitWords(d.Get({"get", "ds", name, "-o",
                                 "jsonpath=-{.status.numberReady} -{.status.numberAvailable} "
                                 "-{.status.numberUnavailable}"}));
      if (w.size() != 3) return;
      auto num = [](const std::string& s) { return s.size() > 1 ? std::stoi(s.substr(1)) : 0; };
      if (num(w[0]) > num(w[1])) lagged = true;
      worst = std::max(worst.load(), num(w[2]));
    });
    ASSERT_EQ(d.K({"set", "image", "ds/" + name, "agent=registry.local/agent:2.0"}).exit_code, 0);
    auto st = d.K({"rollout", "status", "ds/" + name, "--timeout=120s"}, "1.32", "", 130);
    sampler.Stop();
    EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
    auto lines = SplitLines(st.out);
    ASSERT_FALSE(lines.empty());
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      const std::string& l = lines[i];
      bool known =
          l == "Waiting for daemon set spec update to be observed..." ||  // (kubectl's words)
          (l.rfind("Waiting for daemon set \"" + name + "\" rollout to finish: ", 0) == 0 &&
           (l.find(" out of 4 new pods have been updated...") != std::string::npos ||
            l.find(" of 4 updated pods are available...") != std::string::npos));
      EXPECT_TRUE(known) << l;
    }
    EXPECT_EQ(lines.back(), "daemon set \"" + name + "\" successfully rolled out");
    EXPECT_EQ(worst.load(), 2);  // 2, or 30% of 4 rounded up
    EXPECT_TRUE(lagged.load());
    ASSERT_TRUE(Eventually([&] {
      return d.RunningExactlyOn(name, all_, "registry.local/agent:2.0") && d.StatusSettled(name, 4);
    }));
    EXPECT_EQ(RevisionNumbers(name), (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(d.DsField(name, ".metadata.generation"), "2");
    std::string hash = CurrentHash(name);
    for (const DaemonPod& p : d.Pods(name)) {
      EXPECT_EQ(p.hash, hash) << p.name;
      EXPECT_EQ(d.Get({"get", "pod", p.name, "-o",
                       "jsonpath={.metadata.labels.pod-template-generation}"}),
                "2");
    }
  }
}

}  // namespace
}  // namespace tinyk8s::testing
