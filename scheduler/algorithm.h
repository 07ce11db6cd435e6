#pragma once
// The scheduling algorithm of one cycle (upstream schedule_one.go: findNodesThatFitPod,
// prioritizeNodes, selectHost) and the FitError message. Works on a Cache::View, so the caller
// holds the cache lock throughout.
//
// Thread-compatible: one ScheduleAlgorithm per scheduling thread (it keeps the rotating start
// index and the tie-break random generator).

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/cache.h"
#include "scheduler/framework.h"
#include "scheduler/profile.h"

namespace tinyk8s::scheduler {

// Diagnosis: why no node fits (upstream framework.Diagnosis + FitError).
struct Diagnosis {
  int num_all_nodes = 0;
  // Every rejected node with the first rejecting plugin's status.
  std::vector<std::pair<const NodeInfo*, PluginStatus>> rejected;
  // A PreFilter rejected the pod as a whole (message already upstream-formatted).
  std::string pre_filter_msg;
  // Appended after the node histogram: "preemption: ..." (empty when preemption succeeded or
  // was not attempted).
  std::string post_filter_msg;
};

// FitErrorMessage renders `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) ....` plus
// the post-filter message (SCH-22). Reasons are "count reason" strings sorted as strings.
std::string FitErrorMessage(const Diagnosis& d);

// ReasonHistogram renders the "c1 r1, c2 r2" part of a list of node statuses.
std::string ReasonHistogram(const std::vector<std::pair<const NodeInfo*, PluginStatus>>& rejected);

// NumFeasibleNodesToFind: how many feasible nodes to look for before scoring (upstream
// numFeasibleNodesToFind: all nodes below 100, else an adaptive 50% - nodes/125, at least 5%,
// and never fewer than 100). `percentage` 0 means adaptive.
int NumFeasibleNodesToFind(int percentage, int num_all_nodes);

// RunFiltersWithNominatedPods runs the profile's filters on `node` as if the pods nominated
// there with priority >= the pod's were already placed (SCH-15). Filters only get stricter
// with more pods, so one pass with them is equivalent to upstream's two passes.
PluginStatus RunFiltersWithNominatedPods(const Profile& profile, const PodInfo& pod,
                                         const NodeInfo& node,
                                         const std::vector<PodInfoPtr>* nominated,
                                         const std::vector<const FilterPlugin*>* only = nullptr);

class ScheduleAlgorithm {
 public:
  explicit ScheduleAlgorithm(uint32_t seed = std::random_device{}()) : rng_(seed) {}

  struct Result {
    std::string node;   // "" when no node fits
    int evaluated = 0;  // nodes filtered
    int feasible = 0;   // nodes that passed
  };
  // Schedule filters and scores nodes for `pod`. On failure `diag` says why.
  Result Schedule(const Profile& profile, const PodInfo& pod, const Cache::View& view,
                  Diagnosis* diag);

  // Scores the feasible nodes (weighted sum of normalized plugin scores), exposed for tests.
  std::vector<int64_t> PrioritizeNodes(const Profile& profile, const PodInfo& pod,
                                       const std::vector<const NodeInfo*>& nodes) const;

 private:
  size_t next_start_ = 0;
  std::mt19937 rng_;
};

}  // namespace tinyk8s::scheduler
