#include "tests/integration/ds_scenario.h"

#include <sstream>

namespace tinyk8s::testing {

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

namespace {
std::string Indent(const std::string& lines, int n) {
  std::string out;
  for (const std::string& l : SplitLines(lines)) out += std::string(n, ' ') + l + "\n";
  return out;
}
}  // namespace

std::string DaemonSetYaml(const std::string& name, const std::string& ds_spec,
                          const std::string& pod_spec, const std::string& container,
                          const std::string& image) {
  return "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: " + name +
         "\n  labels: {app: " + name + "}\nspec:\n  selector:\n    matchLabels: {app: " + name +
         "}\n" + Indent(ds_spec, 2) + "  template:\n    metadata:\n      labels: {app: " + name +
         "}\n    spec:\n" + Indent(pod_spec, 6) + "      containers:\n      - name: agent\n" +
         "        image: " + image + "\n" + Indent(container, 8);
}

std::string PlainPodYaml(const std::string& name, const std::string& pod_spec,
                         const std::string& container) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n" +
         Indent(pod_spec, 2) + "  containers:\n  - name: c\n    image: registry.local/app:1.0\n" +
         Indent(container, 4);
}

CommandResult DsScenario::K(std::vector<std::string> args, const std::string& version,
                            const std::string& stdin_data, int timeout_seconds) const {
  args.insert(args.begin(), "-n=" + ns_);
  return c_.Kubectl(version, args, stdin_data, timeout_seconds);
}

CommandResult DsScenario::Apply(const std::string& yaml, const std::string& version) const {
  return K({"apply", "-f", "-"}, version, yaml);
}

std::vector<DaemonPod> DsScenario::Pods(const std::string& app) const {
  std::vector<DaemonPod> pods;
  // One line per pod; empty fields print as "-" so that columns stay in place.
  std::string out =
      Get({"get", "pods", "-l", "app=" + app, "-o",
           "jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} -{.spec.nodeName} "
           "-{.status.phase} -{.status.conditions[?(@.type==\"Ready\")].status} "
           "-{.metadata.labels.controller-revision-hash} -{.spec.containers[0].image} "
           "-{.metadata.deletionTimestamp}{\"\\n\"}{end}"});
  for (const std::string& line : SplitLines(out)) {
    auto w = SplitWords(line);
    if (w.size() != 8) continue;
    for (size_t i = 2; i < w.size(); ++i) w[i] = w[i].substr(1);
    pods.push_back({w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]});
  }
  return pods;
}

bool DsScenario::RunningExactlyOn(const std::string& app, const std::set<std::string>& nodes,
                                  const std::string& image) const {
  std::map<std::string, int> live;
  for (const DaemonPod& p : Pods(app)) {
    if (!p.Live()) continue;
    if (!nodes.count(p.node) || !p.RunningReady()) return false;
    if (!image.empty() && p.image != image) return false;
    live[p.node]++;
  }
  if (live.size() != nodes.size()) return false;
  for (const auto& [node, n] : live) {
    if (n != 1) return false;
  }
  return true;
}

bool DsScenario::NoLivePods(const std::string& app) const {
  for (const DaemonPod& p : Pods(app)) {
    if (p.Live()) return false;
  }
  return true;
}

std::string DsScenario::PodOn(const std::string& app, const std::string& node) const {
  for (const DaemonPod& p : Pods(app)) {
    if (p.node == node && p.Live()) return p.name;
  }
  return "";
}

std::string DsScenario::DsField(const std::string& name, const std::string& path) const {
  return Get({"get", "ds", name, "-o", "jsonpath={" + path + "}"});
}

bool DsScenario::StatusSettled(const std::string& name, int n) const {
  std::string want = std::to_string(n);
  auto fields = SplitWords(
      Get({"get", "ds", name, "-o",
           "jsonpath=-{.status.desiredNumberScheduled} -{.status.currentNumberScheduled} "
           "-{.status.numberReady} -{.status.updatedNumberScheduled} -{.status.numberAvailable} "
           "-{.status.numberMisscheduled} -{.status.observedGeneration} -{.metadata.generation}"}));
  if (fields.size() != 8) return false;
  auto is = [&](int i, const std::string& v) {
    return fields[i] == "-" + v || (v == "0" && fields[i] == "-");
  };
  return is(0, want) && is(1, want) && is(2, want) && is(3, want) && is(4, want) && is(5, "0") &&
         fields[6] == fields[7];
}

std::string DsScenario::Columns(const std::string& name) const {
  auto words = SplitWords(Get({"get", "ds", name, "--no-headers"}));
  std::string out;
  for (size_t i = 1; i < words.size() && i <= 6; ++i) out += (i > 1 ? " " : "") + words[i];
  return out;
}

std::string DsScenario::Events(const std::string& field_selector) const {
  return Get({"get", "events", "--field-selector", field_selector, "-o",
              "jsonpath={range .items[*]}{.reason}|{.involvedObject.name}|{.source.component}|"
              "{.message}{\"\\n\"}{end}"});
}

void DsScenarioTest::SetUp() {
  if (!TestCluster::KubectlAvailable("1.32") || !TestCluster::KubectlAvailable("1.27")) {
    GTEST_SKIP() << "kubectl 1.32 and 1.27 are needed";
  }
}

void DsScenarioTest::TearDown() {
  if (cluster_) {
    EXPECT_EQ(cluster_->Stop(), 0);
  }
}

void DsScenarioTest::StartCluster(const std::vector<std::string>& args) {
  cluster_ = std::make_unique<TestCluster>(args);
  ASSERT_TRUE(cluster_->ok()) << "the server did not start";
  ds_ = std::make_unique<DsScenario>(*cluster_);
}

void DsScenarioTest::AwaitNodes(size_t nodes) {
  ASSERT_TRUE(Eventually([&] {
    auto out = cluster_->Kubectl({"get", "nodes", "--no-headers"}).out;
    return SplitLines(out).size() == nodes && out.find("NotReady") == std::string::npos;
  })) << cluster_->Kubectl({"get", "nodes"}).out;
  auto ns = cluster_->Kubectl({"create", "namespace", ds_->ns()});
  ASSERT_EQ(ns.exit_code, 0) << ns.err;
}

void DsScenarioTest::Start(size_t nodes, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--nodes", std::to_string(nodes), "--disable", "dns"};
  args.insert(args.end(), extra.begin(), extra.end());
  ASSERT_NO_FATAL_FAILURE(StartCluster(args));
  ASSERT_NO_FATAL_FAILURE(AwaitNodes(nodes));
}

Sampler::Sampler(std::function<void()> sample)
    : thread_([this, sample = std::move(sample)] {
        while (!done_) sample();
      }) {}

void Sampler::Stop() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace tinyk8s::testing
