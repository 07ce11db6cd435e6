#include "scheduler/plugins/node_name.h"

namespace tinyk8s::scheduler::plugins {

PluginStatus NodeName::Filter(const PodInfo& pod, const NodeInfo& node) const {
  if (pod.node_name.empty() || pod.node_name == node.name()) return PluginStatus::Success();
  return PluginStatus::Unresolvable(std::string(kNodeNameReason));
}

}  // namespace tinyk8s::scheduler::plugins
