#pragma once
// DefaultPreemption (upstream framework/preemption + plugins/defaultpreemption, SCH-30..36):
// when no node fits, find the node where evicting the fewest, lowest-priority pods (all of
// strictly lower priority than the pending pod) makes it fit. This file only decides; the
// Scheduler carries the decision out (deletes victims, sets nominatedNodeName).
//
// Pure functions over a Cache::View (the caller holds the cache lock); thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "scheduler/algorithm.h"
#include "scheduler/cache.h"
#include "scheduler/profile.h"

namespace tinyk8s::scheduler {

inline constexpr std::string_view kPreemptionNotHelpful =
    "Preemption is not helpful for scheduling";
inline constexpr std::string_view kNoPreemptionVictims =
    "No preemption victims found for incoming pod";

struct PreemptionCandidate {
  const NodeInfo* node = nullptr;
  // Sorted by importance: higher priority first, then earlier start.
  std::vector<PodInfoPtr> victims;
};

struct PreemptionResult {
  // The node the preemptor is nominated to; empty when preemption failed.
  std::string nominated_node;
  std::vector<PodInfoPtr> victims;
  // Pods of lower priority nominated to the same node: they lose their nomination.
  std::vector<PodInfoPtr> lower_nominated;
  // "preemption: ..." when it failed (goes after the FitError message), else empty.
  std::string message;
};

// PodEligibleToPreemptOthers: false with upstream's message when the pod must not preempt:
// preemptionPolicy Never, or it is nominated to a node that still holds a terminating pod of
// lower priority (the room it asked for is being freed: SCH-30).
bool PodEligibleToPreemptOthers(const PodInfo& pod, const std::string& nominated_node,
                                const Cache::View& view, const Diagnosis& diag,
                                std::string* message);

// SelectVictimsOnNode: the minimal-ish set of lower-priority pods to evict from `node` so that
// `pod` fits (remove all lower-priority pods, then reprieve them, most important first, while
// the pod still fits). nullopt when even removing all of them does not help.
std::optional<std::vector<PodInfoPtr>> SelectVictimsOnNode(
    const Profile& profile, const PodInfo& pod, const NodeInfo& node,
    const std::vector<PodInfoPtr>* nominated);

// PickOneNodeForPreemption: index of the best candidate (SCH-33): lowest highest-victim
// priority, then smallest sum of priorities, then fewest victims, then the latest start time
// among the highest-priority victims, then the first. REQUIRES: !candidates.empty().
size_t PickOneNodeForPreemption(const std::vector<PreemptionCandidate>& candidates);

// Preempt runs the whole decision for a pod that fits nowhere. `nominated_node` is the pod's
// current nomination (status or cache), if any.
PreemptionResult Preempt(const Profile& profile, const PodInfo& pod,
                         const std::string& nominated_node, const Cache::View& view,
                         const Diagnosis& diag);

}  // namespace tinyk8s::scheduler
