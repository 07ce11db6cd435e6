#include "scheduler/plugins/node_unschedulable.h"

namespace tinyk8s::scheduler::plugins {

PluginStatus NodeUnschedulable::Filter(const PodInfo& pod, const NodeInfo& node) const {
  if (!node.node() || !node.node()->unschedulable) return PluginStatus::Success();
  static const Taint kTaint{std::string(kUnschedulableTaintKey), "", TaintEffect::kNoSchedule};
  if (TolerationsTolerate(pod.tolerations, kTaint)) return PluginStatus::Success();
  return PluginStatus::Unresolvable(std::string(kNodeUnschedulableReason));
}

}  // namespace tinyk8s::scheduler::plugins
