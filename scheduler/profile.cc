#include "scheduler/profile.h"

#include <algorithm>

#include "scheduler/plugins/registry.h"

namespace tinyk8s::scheduler {

Result<std::unique_ptr<Profile>> Profile::Create(const ProfileConfig& config) {
  const auto& defaults = plugins::DefaultPlugins();
  for (const auto& name : config.disabled_plugins) {
    bool known = name == "*" || std::any_of(defaults.begin(), defaults.end(),
                                            [&](const auto& d) { return d.name == name; });
    if (!known) return Status::Invalid("unknown plugin \"" + name + "\" in disabled plugins");
  }
  std::unique_ptr<Profile> p(new Profile(config));
  for (const auto& d : defaults) {
    const auto& off = config.disabled_plugins;
    if (std::find(off.begin(), off.end(), d.name) != off.end() ||
        std::find(off.begin(), off.end(), "*") != off.end()) {
      continue;
    }
    std::unique_ptr<Plugin> plugin = plugins::NewPlugin(d.name);
    if (!plugin) return Status::Internal("plugin " + std::string(d.name) + " is not registered");
    if (auto* pf = dynamic_cast<const PreFilterPlugin*>(plugin.get()))
      p->pre_filters_.push_back(pf);
    if (auto* f = dynamic_cast<const FilterPlugin*>(plugin.get())) p->filters_.push_back(f);
    if (auto* s = dynamic_cast<const ScorePlugin*>(plugin.get())) {
      int weight = d.score_weight;
      for (const auto& [name, w] : config.score_weights) {
        if (name == d.name) weight = w;
      }
      if (weight > 0) p->scores_.emplace_back(s, weight);
    }
    p->owned_.push_back(std::move(plugin));
  }
  return p;
}

PluginStatus Profile::RunFilters(const PodInfo& pod, const NodeInfo& node,
                                 const std::vector<const FilterPlugin*>* only) const {
  for (const FilterPlugin* f : only ? *only : filters_) {
    PluginStatus s = f->Filter(pod, node);
    if (!s.IsSuccess()) return std::move(s.WithPlugin(f->Name()));
  }
  return PluginStatus::Success();
}

std::vector<const FilterPlugin*> Profile::ActiveFilters(const PodInfo& pod) const {
  std::vector<const FilterPlugin*> out;
  for (const FilterPlugin* f : filters_) {
    if (!f->SkipFilter(pod)) out.push_back(f);
  }
  return out;
}

std::vector<std::pair<const ScorePlugin*, int>> Profile::ActiveScores(const PodInfo& pod) const {
  std::vector<std::pair<const ScorePlugin*, int>> out;
  for (const auto& s : scores_) {
    if (!s.first->SkipScore(pod)) out.push_back(s);
  }
  return out;
}

}  // namespace tinyk8s::scheduler
