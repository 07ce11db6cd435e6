#include "scheduler/plugins/taint_toleration.h"

namespace tinyk8s::scheduler::plugins {

PluginStatus TaintToleration::Filter(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n) return PluginStatus::Success();
  for (const auto& taint : n->taints) {
    if (taint.effect != TaintEffect::kNoSchedule && taint.effect != TaintEffect::kNoExecute) {
      continue;
    }
    if (!TolerationsTolerate(pod.tolerations, taint)) {
      return PluginStatus::Unresolvable(std::string(kUntoleratedTaintReason));
    }
  }
  return PluginStatus::Success();
}

int64_t TaintToleration::Score(const PodInfo& pod, const NodeInfo& node) const {
  const NodeSpec* n = node.node();
  if (!n) return 0;
  int64_t count = 0;
  for (const auto& taint : n->taints) {
    if (taint.effect != TaintEffect::kPreferNoSchedule) continue;
    bool tolerated = false;
    // Only tolerations for PreferNoSchedule (or any effect) count (upstream
    // getAllTolerationPreferNoSchedule).
    for (const auto& t : pod.tolerations) {
      if ((t.any_effect || t.effect == TaintEffect::kPreferNoSchedule) && t.Tolerates(taint)) {
        tolerated = true;
        break;
      }
    }
    if (!tolerated) ++count;
  }
  return count;
}

void TaintToleration::NormalizeScores(const PodInfo&, std::vector<int64_t>& scores) const {
  DefaultNormalizeScore(/*reverse=*/true, scores);
}

}  // namespace tinyk8s::scheduler::plugins
