#include "scheduler/plugins/registry.h"

#include "scheduler/plugins/node_affinity.h"
#include "scheduler/plugins/node_name.h"
#include "scheduler/plugins/node_ports.h"
#include "scheduler/plugins/node_resources_balanced_allocation.h"
#include "scheduler/plugins/node_resources_fit.h"
#include "scheduler/plugins/node_unschedulable.h"
#include "scheduler/plugins/taint_toleration.h"

namespace tinyk8s::scheduler::plugins {

std::unique_ptr<Plugin> NewPlugin(std::string_view name) {
  if (name == NodeUnschedulable::kName) return std::make_unique<NodeUnschedulable>();
  if (name == NodeName::kName) return std::make_unique<NodeName>();
  if (name == TaintToleration::kName) return std::make_unique<TaintToleration>();
  if (name == NodeAffinity::kName) return std::make_unique<NodeAffinity>();
  if (name == NodePorts::kName) return std::make_unique<NodePorts>();
  if (name == NodeResourcesFit::kName) return std::make_unique<NodeResourcesFit>();
  if (name == NodeResourcesBalancedAllocation::kName) {
    return std::make_unique<NodeResourcesBalancedAllocation>();
  }
  return nullptr;
}

const std::vector<DefaultPlugin>& DefaultPlugins() {
  static const std::vector<DefaultPlugin> kDefaults = {
      {NodeUnschedulable::kName, 0},
      {NodeName::kName, 0},
      {TaintToleration::kName, 3},
      {NodeAffinity::kName, 2},
      {NodePorts::kName, 0},
      {NodeResourcesFit::kName, 1},
      {NodeResourcesBalancedAllocation::kName, 1},
  };
  return kDefaults;
}

}  // namespace tinyk8s::scheduler::plugins
