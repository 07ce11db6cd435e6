#pragma once
// Profile: one schedulerName and the plugins that schedule its pods (upstream
// KubeSchedulerProfile + frameworkImpl). Immutable after Create; its plugins are stateless, so
// a Profile is safe to use from any thread.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scheduler/framework.h"

namespace tinyk8s::scheduler {

struct ProfileConfig {
  std::string scheduler_name = "default-scheduler";
  // Plugin names turned off (KubeSchedulerConfiguration plugins.multiPoint.disabled).
  std::vector<std::string> disabled_plugins;
  // Score weights overriding the defaults, by plugin name.
  std::vector<std::pair<std::string, int>> score_weights;
  // 0 = adaptive like upstream (50% - nodes/125, at least 5%); else a fixed percentage.
  int percentage_of_nodes_to_score = 0;
  bool preemption = true;  // DefaultPreemption PostFilter
};

class Profile {
 public:
  // Create builds the plugins. kInvalid for an unknown disabled plugin name.
  static Result<std::unique_ptr<Profile>> Create(const ProfileConfig& config);
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  const std::string& scheduler_name() const { return config_.scheduler_name; }
  const ProfileConfig& config() const { return config_; }
  const std::vector<const PreFilterPlugin*>& pre_filters() const { return pre_filters_; }
  const std::vector<const FilterPlugin*>& filters() const { return filters_; }
  const std::vector<std::pair<const ScorePlugin*, int>>& scores() const { return scores_; }

  // RunFilters runs the filters (`only`, or all of them) on one node and returns the first
  // failure (upstream stops at the first rejecting plugin), with the plugin name set.
  PluginStatus RunFilters(const PodInfo& pod, const NodeInfo& node,
                          const std::vector<const FilterPlugin*>* only = nullptr) const;
  // The filters and scores worth running for `pod` (those not skipping it).
  std::vector<const FilterPlugin*> ActiveFilters(const PodInfo& pod) const;
  std::vector<std::pair<const ScorePlugin*, int>> ActiveScores(const PodInfo& pod) const;

 private:
  explicit Profile(ProfileConfig config) : config_(std::move(config)) {}

  ProfileConfig config_;
  std::vector<std::unique_ptr<Plugin>> owned_;
  std::vector<const PreFilterPlugin*> pre_filters_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<std::pair<const ScorePlugin*, int>> scores_;
};

}  // namespace tinyk8s::scheduler
