#include "scheduler/preemption.h"

#include <algorithm>
#include <limits>

namespace tinyk8s::scheduler {

namespace {

// More important first: higher priority, then earlier start (upstream MoreImportantPod).
bool MoreImportant(const PodInfoPtr& a, const PodInfoPtr& b) {
  if (a->priority != b->priority) return a->priority > b->priority;
  return a->start_time < b->start_time;
}

std::string NodesMessage(const std::vector<std::pair<const NodeInfo*, PluginStatus>>& statuses,
                         int num_all_nodes) {
  return "preemption: 0/" + std::to_string(num_all_nodes) +
         " nodes are available: " + ReasonHistogram(statuses) + ".";
}

}  // namespace

bool PodEligibleToPreemptOthers(const PodInfo& pod, const std::string& nominated_node,
                                const Cache::View& view, const Diagnosis& diag,
                                std::string* message) {
  if (pod.preempt_never) {
    *message = "not eligible due to preemptionPolicy=Never.";
    return false;
  }
  if (nominated_node.empty()) return true;
  // If the nominated node can never fit the pod, nominating it again is pointless: allow a
  // fresh preemption elsewhere.
  for (const auto& [node, status] : diag.rejected) {
    if (node->name() == nominated_node && status.code() == Code::kUnschedulableAndUnresolvable) {
      return true;
    }
  }
  const NodeInfo* node = view.Get(nominated_node);
  if (!node) return true;
  for (const auto& p : node->pods()) {
    if (p->terminating && p->priority < pod.priority) {
      *message = "not eligible due to a terminating pod on the nominated node.";
      return false;
    }
  }
  return true;
}

std::optional<std::vector<PodInfoPtr>> SelectVictimsOnNode(
    const Profile& profile, const PodInfo& pod, const NodeInfo& node,
    const std::vector<PodInfoPtr>* nominated) {
  NodeInfo what_if = node;
  std::vector<PodInfoPtr> potential;
  for (const auto& p : node.pods()) {
    if (p->priority < pod.priority) potential.push_back(p);
  }
  if (potential.empty()) return std::nullopt;
  for (const auto& p : potential) what_if.RemovePod(p->uid);
  auto fits = [&] {
    return RunFiltersWithNominatedPods(profile, pod, what_if, nominated).IsSuccess();
  };
  if (!fits()) return std::nullopt;
  std::sort(potential.begin(), potential.end(), MoreImportant);
  std::vector<PodInfoPtr> victims;
  for (const auto& p : potential) {
    what_if.AddPod(p);
    if (!fits()) {
      what_if.RemovePod(p->uid);
      victims.push_back(p);
    }
  }
  return victims;
}

size_t PickOneNodeForPreemption(const std::vector<PreemptionCandidate>& candidates) {
  std::vector<size_t> left(candidates.size());
  for (size_t i = 0; i < left.size(); ++i) left[i] = i;
  for (size_t i : left) {
    if (candidates[i].victims.empty()) return i;  // nothing to evict: take it at once
  }
  // Keeps the candidates with the minimal key; returns early once one is left.
  auto keep_min = [&](auto key) {
    auto best = key(candidates[left[0]]);
    for (size_t i : left) best = std::min(best, key(candidates[i]));
    std::vector<size_t> next;
    for (size_t i : left) {
      if (key(candidates[i]) == best) next.push_back(i);
    }
    left = std::move(next);
    return left.size() == 1;
  };
  // Victims are sorted by importance, so victims[0] has the highest priority.
  if (keep_min([](const PreemptionCandidate& c) { return c.victims[0]->priority; })) return left[0];
  if (keep_min([](const PreemptionCandidate& c) {
        int64_t sum = 0;
        for (const auto& v : c.victims) {
          sum += static_cast<int64_t>(v->priority) + (int64_t{1} << 31);
        }
        return sum;
      })) {
    return left[0];
  }
  if (keep_min([](const PreemptionCandidate& c) { return c.victims.size(); })) return left[0];
  // Latest start time among the highest-priority victims: negate to reuse keep_min.
  keep_min([](const PreemptionCandidate& c) {
    int32_t top = c.victims[0]->priority;
    auto earliest = Clock::TimePoint::max();
    for (const auto& v : c.victims) {
      if (v->priority == top) earliest = std::min(earliest, v->start_time);
    }
    return -earliest.time_since_epoch().count();
  });
  return left[0];
}

PreemptionResult Preempt(const Profile& profile, const PodInfo& pod,
                         const std::string& nominated_node, const Cache::View& view,
                         const Diagnosis& diag) {
  PreemptionResult result;
  std::string msg;
  if (!PodEligibleToPreemptOthers(pod, nominated_node, view, diag, &msg)) {
    result.message = "preemption: " + msg;
    return result;
  }
  // Only nodes rejected as Unschedulable can be helped by evictions (SCH-31, SCH-36).
  std::vector<std::pair<const NodeInfo*, PluginStatus>> statuses;
  std::vector<const NodeInfo*> potential;
  const PluginStatus not_helpful = PluginStatus::Unresolvable(std::string(kPreemptionNotHelpful));
  for (const auto& [node, status] : diag.rejected) {
    if (status.code() == Code::kUnschedulable) {
      potential.push_back(node);
    } else {
      statuses.emplace_back(node, not_helpful);
    }
  }
  // Nodes with no status of their own were rejected as a whole by a PreFilter (upstream's
  // absent-nodes status): preemption cannot help there either.
  for (size_t i = diag.rejected.size(); i < static_cast<size_t>(diag.num_all_nodes); ++i) {
    statuses.emplace_back(nullptr, not_helpful);
  }
  // Upstream samples max(10% of nodes, 100) candidates; all of them in small clusters.
  const size_t want = std::max<size_t>(100, diag.num_all_nodes / 10);
  std::vector<PreemptionCandidate> candidates;
  for (const NodeInfo* node : potential) {
    if (candidates.size() >= want) break;
    auto victims = SelectVictimsOnNode(profile, pod, *node, view.NominatedPods(node->name()));
    if (victims) {
      candidates.push_back({node, std::move(*victims)});
    } else {
      statuses.emplace_back(node, PluginStatus::Unschedulable(std::string(kNoPreemptionVictims)));
    }
  }
  if (candidates.empty()) {
    result.message = NodesMessage(statuses, diag.num_all_nodes);
    return result;
  }
  PreemptionCandidate& best = candidates[PickOneNodeForPreemption(candidates)];
  result.nominated_node = best.node->name();
  result.victims = std::move(best.victims);
  if (const auto* nominated = view.NominatedPods(result.nominated_node)) {
    for (const auto& p : *nominated) {
      if (p->uid != pod.uid && p->priority < pod.priority) result.lower_nominated.push_back(p);
    }
  }
  return result;
}

}  // namespace tinyk8s::scheduler
