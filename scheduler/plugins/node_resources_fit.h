#pragma once
// NodeResourcesFit (SCH-14, SCH-15, SCH-20): a pod fits when, for every resource it requests,
// the node's allocatable minus the requests of the pods already there (bound, terminating and
// assumed) covers it, and the node has room for one more pod. Score: LeastAllocated over cpu
// and memory (weight 1 each), upstream's default scoring strategy.

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

inline constexpr std::string_view kTooManyPodsReason = "Too many pods";

class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
};

// InsufficientResources lists the failure reasons ("Too many pods", "Insufficient cpu", ...)
// of `pod` on `node`; empty when it fits. Shared with preemption's what-if checks.
std::vector<std::string> InsufficientResources(const PodInfo& pod, const NodeInfo& node);

}  // namespace tinyk8s::scheduler::plugins
