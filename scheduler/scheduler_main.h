#pragma once
// Entry point of `tinyk8s scheduler`: runs a Scheduler until SIGTERM/SIGINT (exit 0), with
// Lease-based leader election per scheduler name so two copies never both bind.

#include <string>

namespace tinyk8s::scheduler {

struct SchedulerFlags {
  std::string kubeconfig;
  std::string scheduler_name = "default-scheduler";  // ignored when `config` is set
  std::string config;                                // KubeSchedulerConfiguration YAML file
  bool leader_elect = true;
};

// RunScheduler returns the process exit code: 0 after a clean stop, 1 on failure or lost
// leadership, 2 on a bad configuration.
int RunScheduler(const SchedulerFlags& flags);

}  // namespace tinyk8s::scheduler
