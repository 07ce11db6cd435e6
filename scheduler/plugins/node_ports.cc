#include "scheduler/plugins/node_ports.h"

namespace tinyk8s::scheduler::plugins {

bool HostPortsConflict(const PodInfo& pod, const NodeInfo& node) {
  if (pod.host_ports.empty() || !node.HasHostPorts()) return false;
  for (const auto& other : node.pods()) {
    for (const auto& theirs : other->host_ports) {
      for (const auto& mine : pod.host_ports) {
        if (mine.ConflictsWith(theirs)) return true;
      }
    }
  }
  return false;
}

PluginStatus NodePorts::Filter(const PodInfo& pod, const NodeInfo& node) const {
  if (!HostPortsConflict(pod, node)) return PluginStatus::Success();
  return PluginStatus::Unschedulable(std::string(kNodePortsReason));
}

}  // namespace tinyk8s::scheduler::plugins
