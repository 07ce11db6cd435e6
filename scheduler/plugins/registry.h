#pragma once
// The in-tree plugin registry: plugins by name (Envoy-style registered factories, built
// explicitly, no static-init magic), and the default plugin set of a profile with upstream's
// order and score weights.

#include <memory>
#include <string_view>
#include <vector>

#include "scheduler/framework.h"

namespace tinyk8s::scheduler::plugins {

// NewPlugin builds the plugin called `name`, or nullptr for an unknown name.
std::unique_ptr<Plugin> NewPlugin(std::string_view name);

struct DefaultPlugin {
  std::string_view name;
  int score_weight;  // 0 = not used for scoring
};
// DefaultPlugins: the default profile's plugins in filter order (upstream
// apis/config/v1/default_plugins.go, minus the out-of-scope ones, SCH-17).
const std::vector<DefaultPlugin>& DefaultPlugins();

}  // namespace tinyk8s::scheduler::plugins
