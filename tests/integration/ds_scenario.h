#pragma once
// DsScenario: what the end-to-end DaemonSet scenarios (behavior-spec sections 10 and 11) need on
// top of TestCluster: kubectl in namespace `t` with a chosen version, DaemonSet manifests built
// from a few lines, daemon pods per node, the upstream e2e checks (checkRunningOnAllNodes /
// checkRunningOnNoNodes / CheckDaemonStatus), and a watcher thread that samples the cluster all
// through a rollout. Never asserts on timing: callers poll with deadlines.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/test_cluster.h"

namespace tinyk8s::testing {

// Eventually: the spec's "eventually" (within 60 s, polled); true as soon as `condition` holds.
template <typename F>
bool Eventually(F condition, double seconds = 60) {
  return WaitFor(condition, seconds);
}

std::vector<std::string> SplitWords(const std::string& s);

// DaemonSetYaml builds a DaemonSet `name` (label, selector and pod label `app: name`) with one
// container `agent`. `ds_spec`, `pod_spec` and `container` are YAML lines (indented from zero)
// added under spec, spec.template.spec and the container.
std::string DaemonSetYaml(const std::string& name, const std::string& ds_spec = "",
                          const std::string& pod_spec = "", const std::string& container = "",
                          const std::string& image = "registry.local/agent:1.0");

// PlainPodYaml builds a plain Pod `name` with one container `c` (image registry.local/app:1.0);
// `pod_spec` and `container` are YAML lines added under spec and the container.
std::string PlainPodYaml(const std::string& name, const std::string& pod_spec = "",
                         const std::string& container = "");

struct DaemonPod {
  std::string name, uid, node, phase, ready, hash, image, deleting;
  bool Live() const { return deleting.empty(); }
  bool RunningReady() const { return phase == "Running" && ready == "True"; }
};

class DsScenario {
 public:
  explicit DsScenario(TestCluster& cluster, std::string ns = "t")
      : c_(cluster), ns_(std::move(ns)) {}

  // K runs kubectl -n=<ns> with `version`.
  CommandResult K(std::vector<std::string> args, const std::string& version = "1.32",
                  const std::string& stdin_data = "", int timeout_seconds = 60) const;
  std::string Get(const std::vector<std::string>& args, const std::string& version = "1.32") const {
    return K(args, version).out;
  }
  // Apply pipes `yaml` into kubectl apply -f -; returns kubectl's result.
  CommandResult Apply(const std::string& yaml, const std::string& version = "1.32") const;

  std::vector<DaemonPod> Pods(const std::string& app) const;
  // Each of `nodes` holds exactly one live pod of `app`, Running and Ready (with `image` when
  // given), and no other node holds a live one (upstream checkRunningOnAllNodes).
  bool RunningExactlyOn(const std::string& app, const std::set<std::string>& nodes,
                        const std::string& image = "") const;
  // No live pod of `app` at all.
  bool NoLivePods(const std::string& app) const;
  std::string PodOn(const std::string& app, const std::string& node) const;

  std::string DsField(const std::string& name, const std::string& path) const;
  // desired == current == ready == n, updated == available == n, observedGeneration current,
  // numberMisscheduled 0 (CheckDaemonStatus and more).
  bool StatusSettled(const std::string& name, int n) const;
  // "DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE-SELECTOR" columns of `kubectl get ds`.
  std::string Columns(const std::string& name) const;
  std::string Events(const std::string& field_selector) const;

  const std::string& ns() const { return ns_; }
  TestCluster& cluster() const { return c_; }

 private:
  TestCluster& c_;
  std::string ns_;
};

// DsScenarioTest: a fixture owning one cluster and its DsScenario in namespace `t`; skipped
// unless kubectl 1.32 and 1.27 are installed. The cluster must stop cleanly (exit 0).
class DsScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // StartCluster starts `tinyk8s server <args>`.
  void StartCluster(const std::vector<std::string>& args);
  // AwaitNodes waits until `nodes` nodes are Ready, then creates namespace t.
  void AwaitNodes(size_t nodes);
  // Start is StartCluster(--nodes N --disable dns <extra>) plus AwaitNodes(N).
  void Start(size_t nodes, const std::vector<std::string>& extra = {});

  std::unique_ptr<TestCluster> cluster_;
  std::unique_ptr<DsScenario> ds_;
};

// Sampler runs `sample` in a loop on its own thread until Stop().
class Sampler {
 public:
  explicit Sampler(std::function<void()> sample);
  ~Sampler() { Stop(); }
  void Stop();

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace tinyk8s::testing
