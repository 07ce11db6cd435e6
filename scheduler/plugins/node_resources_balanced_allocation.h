#pragma once
// NodeResourcesBalancedAllocation (SCH-20): prefers nodes whose cpu and memory would be used in
// similar proportions after placing the pod: score = (1 - stddev of the two fractions) * 100.

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

class NodeResourcesBalancedAllocation final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesBalancedAllocation";
  std::string_view Name() const override { return kName; }
  int64_t Score(const PodInfo& pod, const NodeInfo& node) const override;
};

}  // namespace tinyk8s::scheduler::plugins
