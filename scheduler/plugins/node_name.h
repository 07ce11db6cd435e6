#pragma once
// NodeName filter (SCH-11): a pod that names a node fits only that node.

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

inline constexpr std::string_view kNodeNameReason = "node(s) didn't match the requested node name";

class NodeName final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeName";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
  bool SkipFilter(const PodInfo& pod) const override { return pod.node_name.empty(); }
};

}  // namespace tinyk8s::scheduler::plugins
