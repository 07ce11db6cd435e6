#include "scheduler/plugins/node_resources_fit.h"

namespace tinyk8s::scheduler::plugins {

std::vector<std::string> InsufficientResources(const PodInfo& pod, const NodeInfo& node) {
  std::vector<std::string> reasons;
  const NodeSpec* n = node.node();
  if (!n) return {std::string(kTooManyPodsReason)};
  const ResourceList& alloc = n->allocatable;
  const ResourceList& used = node.requested();
  if (static_cast<int64_t>(node.pods().size()) + 1 > alloc.allowed_pods) {
    reasons.emplace_back(kTooManyPodsReason);
  }
  const ResourceList& req = pod.requests;
  if (req.milli_cpu > 0 && alloc.milli_cpu - used.milli_cpu < req.milli_cpu) {
    reasons.emplace_back("Insufficient cpu");
  }
  if (req.memory > 0 && alloc.memory - used.memory < req.memory) {
    reasons.emplace_back("Insufficient memory");
  }
  if (req.ephemeral_storage > 0 &&
      alloc.ephemeral_storage - used.ephemeral_storage < req.ephemeral_storage) {
    reasons.emplace_back("Insufficient ephemeral-storage");
  }
  for (const auto& [name, amount] : req.scalar) {
    if (amount > 0 && alloc.Scalar(name) - used.Scalar(name) < amount) {
      reasons.push_back("Insufficient " + name);
    }
  }
  return reasons;
}

PluginStatus NodeResourcesFit::Filter(const PodInfo& pod, const NodeInfo& node) const {
  auto reasons = InsufficientResources(pod, node);
  if (reasons.empty()) return PluginStatus::Success();
  return PluginStatus(Code::kUnschedulable, std::move(reasons));
}

namespace {

// (allocatable - requested) * 100 / allocatable, 0 when over-committed (upstream
// leastRequestedScore).
int64_t LeastRequested(int64_t requested, int64_t capacity) {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

}  // namespace

int64_t NodeResourcesFit::Score(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n) return 0;
  const ResourceList& used = node.non_zero_requested();
  int64_t cpu =
      LeastRequested(used.milli_cpu + pod.non_zero_requests.milli_cpu, n->allocatable.milli_cpu);
  int64_t mem = LeastRequested(used.memory + pod.non_zero_requests.memory, n->allocatable.memory);
  return (cpu + mem) / 2;
}

}  // namespace tinyk8s::scheduler::plugins
