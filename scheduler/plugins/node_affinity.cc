#include "scheduler/plugins/node_affinity.h"

namespace tinyk8s::scheduler::plugins {

namespace {

// The node names a term pins through `matchFields: metadata.name In [...]`, or nullopt when
// the term does not restrict names (upstream getPreFilterNodeNames).
std::optional<std::unordered_set<std::string>> TermNodeNames(const NodeSelectorTerm& term) {
  std::optional<std::unordered_set<std::string>> names;
  for (const auto& f : term.match_fields) {
    if (f.key != "metadata.name" || f.op != NodeSelectorRequirement::Op::kIn) continue;
    std::unordered_set<std::string> these(f.values.begin(), f.values.end());
    if (!names) {
      names = std::move(these);
    } else {  // several In requirements in one term: intersection
      std::unordered_set<std::string> both;
      for (const auto& n : *names) {
        if (these.count(n)) both.insert(n);
      }
      names = std::move(both);
    }
  }
  return names;
}

}  // namespace

PreFilterResult NodeAffinity::PreFilter(const PodInfo& pod) const {
  PreFilterResult result;
  if (!pod.required_affinity && pod.node_selector.empty()) {
    result.status = PluginStatus(Code::kSkip, {});
    return result;
  }
  if (!pod.required_affinity || pod.required_affinity->empty()) return result;
  std::unordered_set<std::string> all;
  for (const auto& term : *pod.required_affinity) {
    auto names = TermNodeNames(term);
    if (!names) return result;  // one unrestricted term: any node may match
    all.insert(names->begin(), names->end());
  }
  if (all.empty()) {
    result.status = PluginStatus::Unresolvable(std::string(kNodeAffinityConflictReason));
    return result;
  }
  result.node_names = std::move(all);
  return result;
}

PluginStatus NodeAffinity::Filter(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n) return PluginStatus::Unresolvable(std::string(kNodeAffinityReason));
  for (const auto& [key, value] : pod.node_selector) {
    auto it = n->labels.find(key);
    if (it == n->labels.end() || it->second != value) {
      return PluginStatus::Unresolvable(std::string(kNodeAffinityReason));
    }
  }
  if (pod.required_affinity && !AnyTermMatches(*pod.required_affinity, n->labels, n->name)) {
    return PluginStatus::Unresolvable(std::string(kNodeAffinityReason));
  }
  return PluginStatus::Success();
}

int64_t NodeAffinity::Score(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n) return 0;
  int64_t score = 0;
  for (const auto& p : pod.preferred_affinity) {
    if (p.weight != 0 && TermMatches(p.term, n->labels, n->name)) score += p.weight;
  }
  return score;
}

void NodeAffinity::NormalizeScores(const PodInfo&, std::vector<int64_t>& scores) const {
  DefaultNormalizeScore(/*reverse=*/false, scores);
}

}  // namespace tinyk8s::scheduler::plugins
