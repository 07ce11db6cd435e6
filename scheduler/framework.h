#pragma once
// The scheduler framework in miniature (upstream pkg/scheduler/framework/interface.go):
// plugins with a Name, the PreFilter / Filter / Score extension points, and PluginStatus with
// the upstream codes. Plugins are stateless after construction: every method is const and
// safe to call from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

namespace tinyk8s::scheduler {

// Code: the outcome of one plugin call (upstream framework.Code).
enum class Code {
  kSuccess,
  // kError: an internal error; the pod is retried, preemption is not attempted.
  kError,
  // kUnschedulable: the node does not fit now; preemption might make room.
  kUnschedulable,
  // kUnschedulableAndUnresolvable: the node can never fit this pod; preemption cannot help.
  kUnschedulableAndUnresolvable,
  // kSkip: (PreFilter) the plugin has nothing to check for this pod.
  kSkip,
};

class PluginStatus {
 public:
  PluginStatus() = default;
  PluginStatus(Code code, std::vector<std::string> reasons)
      : code_(code), reasons_(std::move(reasons)) {}
  static PluginStatus Success() { return {}; }
  static PluginStatus Unschedulable(std::string reason) {
    return {Code::kUnschedulable, {std::move(reason)}};
  }
  static PluginStatus Unresolvable(std::string reason) {
    return {Code::kUnschedulableAndUnresolvable, {std::move(reason)}};
  }
  static PluginStatus Error(std::string reason) { return {Code::kError, {std::move(reason)}}; }

  Code code() const { return code_; }
  bool IsSuccess() const { return code_ == Code::kSuccess; }
  bool IsRejected() const {
    return code_ == Code::kUnschedulable || code_ == Code::kUnschedulableAndUnresolvable;
  }
  const std::vector<std::string>& reasons() const { return reasons_; }
  void AddReason(std::string r) { reasons_.push_back(std::move(r)); }
  // The plugin that failed (set by the framework runner).
  const std::string& plugin() const { return plugin_; }
  PluginStatus& WithPlugin(std::string_view p) {
    plugin_ = p;
    return *this;
  }
  // Reasons joined by ", ".
  std::string Message() const;

 private:
  Code code_ = Code::kSuccess;
  std::vector<std::string> reasons_;
  std::string plugin_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view Name() const = 0;
};

// PreFilterResult: a PreFilter may narrow the nodes worth filtering (NodeAffinity with
// matchFields metadata.name: a daemon pod names its one node).
struct PreFilterResult {
  PluginStatus status;
  std::optional<std::unordered_set<std::string>> node_names;  // nullopt = all nodes
};

class PreFilterPlugin : public virtual Plugin {
 public:
  virtual PreFilterResult PreFilter(const PodInfo& pod) const = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  // Filter: can `pod` run on `node`? Success, kUnschedulable or kUnschedulableAndUnresolvable
  // with upstream's reason strings.
  virtual PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const = 0;
  // SkipFilter: true when Filter would pass on every node for this pod (upstream PreFilter
  // returning Skip), so the cycle need not call it node by node.
  virtual bool SkipFilter(const PodInfo& pod) const {
    (void)pod;
    return false;
  }
};

inline constexpr int64_t kMaxNodeScore = 100;

class ScorePlugin : public virtual Plugin {
 public:
  // Score ranks a feasible node; higher is better. Range is plugin-defined until normalized.
  virtual int64_t Score(const PodInfo& pod, const NodeInfo& node) const = 0;
  // SkipScore: true when every node would get the same score (upstream PreScore Skip).
  virtual bool SkipScore(const PodInfo& pod) const {
    (void)pod;
    return false;
  }
  // NormalizeScores maps the raw scores of all feasible nodes to 0..kMaxNodeScore. The default
  // keeps them (for plugins that already score in range).
  virtual void NormalizeScores(const PodInfo& pod, std::vector<int64_t>& scores) const {
    (void)pod;
    (void)scores;
  }
};

// DefaultNormalizeScore scales scores so the maximum becomes kMaxNodeScore; with `reverse`
// the best raw score (lowest) becomes kMaxNodeScore (upstream helper.DefaultNormalizeScore).
void DefaultNormalizeScore(bool reverse, std::vector<int64_t>& scores);

}  // namespace tinyk8s::scheduler
