#pragma once
// Where a daemon pod belongs (behavior-spec DS-1..DS-8, upstream daemon_controller.go
// NodeShouldRunDaemonPod and util/daemonset_util.go AddOrUpdateDaemonPodTolerations).
// DaemonPlacement is computed once per sync from the DaemonSet template and then evaluated
// against every node, so a 5,000-node sync does not re-parse the template per node.
// Immutable after construction; safe for concurrent use.

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "controllers/util/pod_util.h"

namespace tinyk8s::controllers::daemonset {

// The tolerations every daemon pod gets (DS-8), in upstream order.
std::vector<Toleration> DaemonPodTolerations(bool host_network);

// Adds the DS-8 tolerations to `pod_spec.tolerations` (user ones first, replaced when an equal
// key/effect toleration with operator Exists already exists).
void AddDaemonPodTolerations(rapidjson::Value& pod_spec, rapidjson::Document::AllocatorType& a);

// Matches a node against nodeSelectorTerms (ORed terms of ANDed matchExpressions/matchFields).
bool NodeMatchesSelectorTerms(const rapidjson::Value& node, const rapidjson::Value& terms);

struct ShouldRun {
  bool should_run = false;               // create a pod if none
  bool should_continue_running = false;  // an existing pod may stay
};

class DaemonPlacement {
 public:
  // `template_spec` is ds.spec.template.spec.
  explicit DaemonPlacement(const rapidjson::Value& template_spec);

  ShouldRun Evaluate(const rapidjson::Value& node) const;

 private:
  std::string node_name_;
  const rapidjson::Value* node_selector_ = nullptr;  // borrowed from the template
  const rapidjson::Value* required_terms_ = nullptr;
  std::vector<Toleration> tolerations_;
};

}  // namespace tinyk8s::controllers::daemonset
