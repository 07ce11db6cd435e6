#pragma once
// SchedulerConfig: what a scheduler process runs, from flags or a KubeSchedulerConfiguration-
// style YAML file (kubescheduler.config.k8s.io/v1, the subset we honour):
//
//   apiVersion: kubescheduler.config.k8s.io/v1
//   kind: KubeSchedulerConfiguration
//   leaderElection: {leaderElect: true, resourceName: my-lease, resourceNamespace: kube-system}
//   percentageOfNodesToScore: 0
//   profiles:
//   - schedulerName: default-scheduler
//   - schedulerName: my-scheduler
//     plugins:
//       multiPoint: {disabled: [{name: NodeResourcesBalancedAllocation}]}
//       postFilter: {disabled: [{name: DefaultPreemption}]}
//       score: {enabled: [{name: NodeResourcesFit, weight: 2}]}
//
// Value types; thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scheduler/profile.h"

namespace tinyk8s::scheduler {

struct SchedulerConfig {
  std::vector<ProfileConfig> profiles;
  bool leader_elect = true;
  // Lease name; empty = LeaseName()'s default.
  std::string lease_name;
  std::string lease_namespace = "kube-system";

  // The lease the scheduler is elected through: lease_name if set; otherwise upstream's
  // "kube-scheduler" for a default-scheduler, and the first profile's schedulerName for any
  // other (a second scheduler must not wait for the default one's lease).
  std::string LeaseName() const;
};

// ParseSchedulerConfig reads the YAML above. kInvalid (with the field path) on unknown kinds,
// an empty or duplicated schedulerName, or a malformed field; no profiles means one
// default-scheduler profile, like upstream.
Result<SchedulerConfig> ParseSchedulerConfig(std::string_view yaml);

}  // namespace tinyk8s::scheduler
