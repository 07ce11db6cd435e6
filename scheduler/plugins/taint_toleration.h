#pragma once
// TaintToleration (SCH-13, SCH-20): filter out nodes with an untolerated NoSchedule or
// NoExecute taint; score nodes by how few untolerated PreferNoSchedule taints they carry.

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

// Wording of kube-scheduler >= 1.32.
inline constexpr std::string_view kUntoleratedTaintReason = "node(s) had untolerated taint(s)";

class TaintToleration final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
  // Score: the number of untolerated PreferNoSchedule taints (fewer is better).
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScores(const PodInfo& pod, std::vector<int64_t>& scores) const override;
};

}  // namespace tinyk8s::scheduler::plugins
