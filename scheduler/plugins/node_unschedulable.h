#pragma once
// NodeUnschedulable filter (SCH-10): a cordoned node (spec.unschedulable) takes only pods that
// tolerate node.kubernetes.io/unschedulable:NoSchedule (daemon pods do).

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

inline constexpr std::string_view kUnschedulableTaintKey = "node.kubernetes.io/unschedulable";
inline constexpr std::string_view kNodeUnschedulableReason = "node(s) were unschedulable";

class NodeUnschedulable final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeUnschedulable";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
};

}  // namespace tinyk8s::scheduler::plugins
