#include "scheduler/plugins/node_resources_balanced_allocation.h"

#include <algorithm>
#include <cmath>

namespace tinyk8s::scheduler::plugins {

int64_t NodeResourcesBalancedAllocation::Score(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n || n->allocatable.milli_cpu <= 0 || n->allocatable.memory <= 0) return 0;
  const ResourceList& used = node.non_zero_requested();
  double cpu = static_cast<double>(used.milli_cpu + pod.non_zero_requests.milli_cpu) /
               static_cast<double>(n->allocatable.milli_cpu);
  double mem = static_cast<double>(used.memory + pod.non_zero_requests.memory) /
               static_cast<double>(n->allocatable.memory);
  cpu = std::min(cpu, 1.0);
  mem = std::min(mem, 1.0);
  // With two resources the standard deviation is half their difference (upstream
  // balancedResourceScorer).
  double std_dev = std::abs(cpu - mem) / 2;
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

}  // namespace tinyk8s::scheduler::plugins
