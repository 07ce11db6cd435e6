#pragma once
// ControllerManager: runs the controllers of this folder in one process against any API
// server (kube-controller-manager). With leader election (Lease
// kube-system/kube-controller-manager) only one copy is active; another stays passive until the
// lease expires. The controllers are built, their informers started and their workers run only
// while this copy leads; losing the lease ends the process (upstream exits too), and the
// supervisor starts a fresh one. Everything is level-triggered, so a restart at any moment
// recomputes the world from a full list.
//
// RunControllerManager is the entry point for `tinyk8s controller-manager`: it blocks until
// SIGTERM/SIGINT (exit code 0) or a fatal error (1).

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

namespace tinyk8s::controllers {

struct ControllerManagerOptions {
  std::string kubeconfig;
  // Controllers to run: "*" = all; "-name" disables one ("*,-nodelifecycle").
  std::vector<std::string> controllers = {"*"};
  bool leader_elect = true;
  std::chrono::milliseconds leader_lease_duration{15000};
  std::chrono::milliseconds leader_renew_deadline{10000};
  std::chrono::milliseconds leader_retry_period{2000};
  std::chrono::milliseconds node_monitor_grace_period{40000};
  std::chrono::milliseconds node_monitor_period{5000};
  std::chrono::milliseconds pod_gc_quarantine{40000};
  int64_t terminated_pod_gc_threshold = 12500;
  int concurrent_daemonset_syncs = 2;
  int concurrent_gc_syncs = 20;
  int concurrent_namespace_syncs = 10;
  int concurrent_node_syncs = 4;
  int concurrent_serviceaccount_syncs = 1;
  int concurrent_rootca_syncs = 1;
  // CA bundle published as kube-root-ca.crt; empty: the kubeconfig's certificate authority.
  std::string root_ca_file;
  int ds_burst_replicas = 5000;
  int ds_parallelism = 32;
};

// RunControllerManager runs until `stop` is requested (returns 0) or a fatal error (returns 1:
// unreadable kubeconfig, lost leadership).
int RunControllerManager(const ControllerManagerOptions& options, std::stop_token stop);

// RunControllerManagerMain: blocks SIGTERM/SIGINT, runs the manager and returns its exit code
// when a signal arrives (0) or it fails (1). For cmd/.
int RunControllerManagerMain(const ControllerManagerOptions& options);

// ParseDuration reads Go-style durations for flags: "40s", "500ms", "5m", "1h", "1m30s".
bool ParseDuration(const std::string& text, std::chrono::milliseconds* out);

// Whether `name` is enabled by the --controllers list.
bool ControllerEnabled(const std::vector<std::string>& list, const std::string& name);

}  // namespace tinyk8s::controllers
