#pragma once
// NodePorts filter (SCH-16): a pod's hostPorts must not collide with those of the pods already
// on the node (same protocol and port, and same or wildcard host IP).

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

inline constexpr std::string_view kNodePortsReason =
    "node(s) didn't have free ports for the requested pod ports";

class NodePorts final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodePorts";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PodInfo& pod, const NodeInfo& node) const override;
  bool SkipFilter(const PodInfo& pod) const override { return pod.host_ports.empty(); }
};

// HostPortsConflict: does any of `pod`'s host ports collide with a pod on `node`?
bool HostPortsConflict(const PodInfo& pod, const NodeInfo& node);

}  // namespace tinyk8s::scheduler::plugins
