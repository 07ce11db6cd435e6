#include "scheduler/algorithm.h"

#include <algorithm>
#include <map>

namespace tinyk8s::scheduler {

namespace {

constexpr int kMinFeasibleNodesToFind = 100;
constexpr int kMinFeasibleNodesPercentageToFind = 5;

std::string DidNotSatisfy(std::string_view plugin) {
  return "node(s) didn't satisfy plugin(s) [" + std::string(plugin) + "]";
}

}  // namespace

std::string ReasonHistogram(const std::vector<std::pair<const NodeInfo*, PluginStatus>>& rejected) {
  std::map<std::string, int> counts;
  for (const auto& [node, status] : rejected) {
    for (const auto& r : status.reasons()) ++counts[r];
  }
  std::vector<std::string> parts;
  for (const auto& [reason, n] : counts) parts.push_back(std::to_string(n) + " " + reason);
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

std::string FitErrorMessage(const Diagnosis& d) {
  std::string msg;
  if (d.num_all_nodes == 0) {
    msg = "no nodes available to schedule pods";
  } else if (!d.pre_filter_msg.empty()) {
    msg =
        "0/" + std::to_string(d.num_all_nodes) + " nodes are available: " + d.pre_filter_msg + ".";
  } else {
    msg = "0/" + std::to_string(d.num_all_nodes) +
          " nodes are available: " + ReasonHistogram(d.rejected) + ".";
  }
  if (!d.post_filter_msg.empty()) msg += " " + d.post_filter_msg;
  return msg;
}

int NumFeasibleNodesToFind(int percentage, int num_all_nodes) {
  if (num_all_nodes < kMinFeasibleNodesToFind) return num_all_nodes;
  int adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - num_all_nodes / 125;
    if (adaptive < kMinFeasibleNodesPercentageToFind) adaptive = kMinFeasibleNodesPercentageToFind;
  }
  if (adaptive >= 100) return num_all_nodes;
  int n = static_cast<int>(static_cast<int64_t>(num_all_nodes) * adaptive / 100);
  return std::max(n, kMinFeasibleNodesToFind);
}

PluginStatus RunFiltersWithNominatedPods(const Profile& profile, const PodInfo& pod,
                                         const NodeInfo& node,
                                         const std::vector<PodInfoPtr>* nominated,
                                         const std::vector<const FilterPlugin*>* only) {
  if (nominated) {
    bool any = false;
    for (const auto& p : *nominated) {
      if (p->uid != pod.uid && p->priority >= pod.priority) any = true;
    }
    if (any) {
      NodeInfo with = node;
      for (const auto& p : *nominated) {
        if (p->uid != pod.uid && p->priority >= pod.priority) with.AddPod(p);
      }
      return profile.RunFilters(pod, with, only);
    }
  }
  return profile.RunFilters(pod, node, only);
}

ScheduleAlgorithm::Result ScheduleAlgorithm::Schedule(const Profile& profile, const PodInfo& pod,
                                                      const Cache::View& view, Diagnosis* diag) {
  Result result;
  const auto& all = view.nodes();
  diag->num_all_nodes = static_cast<int>(all.size());
  if (all.empty()) return result;

  // PreFilter: a plugin may pin the pod to a few named nodes (daemon pods).
  std::optional<std::unordered_set<std::string>> allowed;
  std::string_view narrowing_plugin;
  for (const PreFilterPlugin* pf : profile.pre_filters()) {
    PreFilterResult r = pf->PreFilter(pod);
    if (r.status.code() == Code::kSkip) continue;
    if (!r.status.IsSuccess()) {
      diag->pre_filter_msg = r.status.Message();
      return result;
    }
    if (r.node_names) {
      allowed = std::move(r.node_names);
      narrowing_plugin = pf->Name();
    }
  }

  std::vector<const NodeInfo*> feasible;
  // Filters that would pass everywhere for this pod are not run node by node.
  const std::vector<const FilterPlugin*> filters = profile.ActiveFilters(pod);
  auto evaluate = [&](const NodeInfo* node) {
    ++result.evaluated;
    PluginStatus s = RunFiltersWithNominatedPods(profile, pod, *node,
                                                 view.NominatedPods(node->name()), &filters);
    if (s.IsSuccess()) {
      feasible.push_back(node);
    } else {
      diag->rejected.emplace_back(node, std::move(s));
    }
  };

  if (allowed) {
    for (const auto& name : *allowed) {
      const NodeInfo* node = view.Get(name);
      if (node && node->node()) evaluate(node);
    }
  } else {
    const size_t n = all.size();
    const size_t want = static_cast<size_t>(
        NumFeasibleNodesToFind(profile.config().percentage_of_nodes_to_score, static_cast<int>(n)));
    size_t start = next_start_ % n;
    size_t i = 0;
    for (; i < n && feasible.size() < want; ++i) evaluate(all[(start + i) % n]);
    next_start_ = (start + i) % n;
  }
  result.feasible = static_cast<int>(feasible.size());

  if (feasible.empty()) {
    if (allowed) {
      // Every node outside the PreFilter's set (upstream >= 1.28 wording, SCH-12).
      PluginStatus other = PluginStatus::Unresolvable(DidNotSatisfy(narrowing_plugin));
      for (const NodeInfo* node : all) {
        if (!allowed->count(node->name())) diag->rejected.emplace_back(node, other);
      }
    }
    return result;
  }
  if (feasible.size() == 1) {
    result.node = feasible[0]->name();
    return result;
  }

  std::vector<int64_t> scores = PrioritizeNodes(profile, pod, feasible);
  // Highest score wins; ties are broken uniformly at random (reservoir sampling).
  size_t best = 0;
  int ties = 1;
  for (size_t i = 1; i < scores.size(); ++i) {
    if (scores[i] > scores[best]) {
      best = i;
      ties = 1;
    } else if (scores[i] == scores[best]) {
      ++ties;
      if (std::uniform_int_distribution<int>(0, ties - 1)(rng_) == 0) best = i;
    }
  }
  result.node = feasible[best]->name();
  return result;
}

std::vector<int64_t> ScheduleAlgorithm::PrioritizeNodes(
    const Profile& profile, const PodInfo& pod, const std::vector<const NodeInfo*>& nodes) const {
  std::vector<int64_t> total(nodes.size(), 0);
  std::vector<int64_t> scores(nodes.size());
  for (const auto& [plugin, weight] : profile.ActiveScores(pod)) {
    for (size_t i = 0; i < nodes.size(); ++i) scores[i] = plugin->Score(pod, *nodes[i]);
    plugin->NormalizeScores(pod, scores);
    for (size_t i = 0; i < nodes.size(); ++i) total[i] += scores[i] * weight;
  }
  return total;
}

}  // namespace tinyk8s::scheduler
