#pragma once
// NodeInfo: one node as the scheduler sees it: the parsed Node (labels, taints, allocatable)
// plus the pods placed on it (bound, terminating and assumed ones: SCH-15) with their summed
// requests. Filters and scores read only this. Thread-compatible: the Cache guards the live
// copies; preemption works on private clones.

#include <memory>
#include <string>
#include <vector>

#include "client/resource.h"
#include "scheduler/pod_info.h"
#include "scheduler/types.h"

namespace tinyk8s::scheduler {

// NodeSpec: the parsed Node object. Immutable once built.
struct NodeSpec {
  client::ObjectPtr object;
  std::string name;
  Labels labels;
  std::vector<Taint> taints;
  bool unschedulable = false;
  ResourceList allocatable;

  // SchedulingEqual: same labels, taints, unschedulable and allocatable (a heartbeat-only
  // update is not a cluster change worth re-queueing pods for).
  bool SchedulingEqual(const NodeSpec& o) const;
};
using NodeSpecPtr = std::shared_ptr<const NodeSpec>;

NodeSpecPtr ParseNodeSpec(client::ObjectPtr node);
NodeSpecPtr ParseNodeSpecJson(std::string_view json);  // tests; nullptr if not JSON

class NodeInfo {
 public:
  explicit NodeInfo(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  // The node object; nullptr while only pods naming this node are known.
  const NodeSpec* node() const { return node_.get(); }
  const NodeSpecPtr& node_ptr() const { return node_; }
  void SetNode(NodeSpecPtr node) { node_ = std::move(node); }

  const std::vector<PodInfoPtr>& pods() const { return pods_; }
  const ResourceList& requested() const { return requested_; }
  const ResourceList& non_zero_requested() const { return non_zero_requested_; }
  bool HasHostPorts() const { return num_host_ports_ > 0; }

  void AddPod(PodInfoPtr pod);
  // RemovePod removes the pod with `uid`; false if it was not here.
  bool RemovePod(const std::string& uid);
  // A pod by uid, or nullptr.
  const PodInfo* FindPod(const std::string& uid) const;

 private:
  std::string name_;
  NodeSpecPtr node_;
  std::vector<PodInfoPtr> pods_;
  ResourceList requested_;
  ResourceList non_zero_requested_;
  int num_host_ports_ = 0;
};

}  // namespace tinyk8s::scheduler
