#pragma once
// NodeAffinity (SCH-12, SCH-20): filter on spec.nodeSelector AND required node affinity
// (matchExpressions on labels, matchFields on metadata.name); PreFilter narrows the nodes to
// the names required through matchFields (daemon pods); Score sums the weights of the matching
// preferred terms, normalized to 0..100.

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

inline constexpr std::string_view kNodeAffinityReason =
    "node(s) didn't match Pod's node affinity/selector";
// PreFilter: every required term names nodes by metadata.name, and together they name none.
inline constexpr std::string_view kNodeAffinityConflictReason = "pod affinity terms conflict";

class NodeAffinity final : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  std::string_view Name() const override { return kName; }
  PreFilterResult PreFilter(const PodInfo& pod) const override;
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
  bool SkipFilter(const PodInfo& pod) const override {
    return pod.node_selector.empty() && !pod.required_affinity;
  }
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  bool SkipScore(const PodInfo& pod) const override { return pod.preferred_affinity.empty(); }
  void NormalizeScores(const PodInfo& pod, std::vector<int64_t>& scores) const override;
};

}  // namespace tinyk8s::scheduler::plugins
