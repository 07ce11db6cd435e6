#pragma once
// Cache: the scheduler's picture of the cluster (upstream internal/cache + the nominator):
// nodes with the pods on them (bound ones from the informer, including terminating ones, plus
// *assumed* ones whose binding is in flight, so a node is never over-committed while POSTs are
// pending: SCH-15, SCH-21), and the pods nominated to nodes by preemption.
//
// Thread-safe. Informer handlers and binding workers call the mutators; the scheduling thread
// takes a View, which holds the cache lock for one whole scheduling cycle (filter, score,
// assume) so that what it read is still true when it assumes. Cycles are short (tens of µs),
// so informer threads wait at most that long.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

namespace tinyk8s::scheduler {

class Cache {
 public:
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // AddOrUpdateNode stores the node; returns true if it is new or changed in a way that can
  // make pending pods schedulable (labels, taints, allocatable, unschedulable).
  bool AddOrUpdateNode(NodeSpecPtr node);
  void RemoveNode(const std::string& name);

  // AddOrUpdatePod records a bound pod seen from the API (pod->node_name set). It replaces an
  // assumed copy (the binding is confirmed) or an older version.
  void AddOrUpdatePod(PodInfoPtr pod);
  // RemovePod forgets a pod (deleted, finished, or its assumption failed). Returns whether it
  // was present.
  bool RemovePod(const std::string& uid);
  bool IsAssumed(const std::string& uid) const;
  // ForgetPod drops an assumed pod whose binding failed; a pod the API already confirmed is
  // kept. Returns whether it removed one.
  bool ForgetPod(const std::string& uid);

  // Nominations (SCH-34/35): pods that preemption made room for. A nominated pod's room is
  // held against pods of lower or equal priority (SCH-15).
  void AddNominatedPod(PodInfoPtr pod, const std::string& node);
  void RemoveNominatedPod(const std::string& uid);

  size_t NumNodes() const;
  size_t NumPods() const;

  // View: exclusive access for one scheduling cycle. Movable, not copyable; releases the lock
  // when destroyed.
  class View {
   public:
    // Nodes that have a Node object, in a stable order.
    const std::vector<NodeInfo*>& nodes() const { return cache_->node_list_; }
    // A node by name (also one known only through its pods), or nullptr.
    const NodeInfo* Get(const std::string& name) const;
    // Pods nominated to `node` (not yet bound there).
    const std::vector<PodInfoPtr>* NominatedPods(const std::string& node) const;
    // The node `uid` is nominated to, or "".
    std::string NominatedNodeOf(const std::string& uid) const;
    // Assume places `pod` on `node` before its binding is confirmed; a nomination of the
    // pod is dropped. Returns the assumed copy (spec.nodeName set).
    PodInfoPtr Assume(const PodInfoPtr& pod, const std::string& node);
    // Nominate records a nomination while the lock is held (preemption's decision).
    void Nominate(PodInfoPtr pod, const std::string& node);

   private:
    friend class Cache;
    View(Cache* cache) : cache_(cache), lock_(cache->mu_) {}
    Cache* cache_;
    std::unique_lock<std::mutex> lock_;
  };
  View Lock() { return View(this); }

 private:
  struct PodState {
    PodInfoPtr pod;
    bool assumed = false;
  };
  struct Nomination {
    std::string node;
    PodInfoPtr pod;
  };

  // REQUIRES: mu_ held.
  NodeInfo* GetOrCreateNodeLocked(const std::string& name);
  void AddPodLocked(PodInfoPtr pod, bool assumed);
  bool RemovePodLocked(const std::string& uid);
  void MaybeDropNodeLocked(const std::string& name);
  void RemoveNominatedLocked(const std::string& uid);
  void AddNominatedLocked(PodInfoPtr pod, const std::string& node);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<NodeInfo>> nodes_;  // GUARDED_BY(mu_)
  std::vector<NodeInfo*> node_list_;                                  // GUARDED_BY(mu_)
  std::unordered_map<std::string, PodState> pods_;                    // by uid; GUARDED_BY(mu_)
  std::unordered_map<std::string, Nomination> nominated_;             // by uid; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::vector<PodInfoPtr>> nominated_by_node_;  // GUARDED_BY(mu_)
};

}  // namespace tinyk8s::scheduler
