#pragma once
// Entry point of `tinyk8s nodes`: runs a NodeAgent until SIGTERM/SIGINT.

#include <string>
#include <vector>

namespace tinyk8s::node {

struct NodeAgentFlags {
  std::string kubeconfig;
  int count = 1;
  std::string prefix = "node";
  std::string cpu = "4";
  std::string memory = "8Gi";
  int pods = 110;
  int lease_renew_interval_ms = 10000;  // kubelet: a quarter of the 40 s lease duration
  std::vector<std::string> labels;      // k=v
  std::string static_pod_dir;
  int readiness_delay_ms = 0;
  // Like the kubelet's flags of the same names: what pods resolve with (node/pod_dns.h).
  std::vector<std::string> cluster_dns;  // IPs; empty: ClusterFirst pods fall back to Default
  std::string cluster_domain = "cluster.local";
  std::string resolv_conf = "/etc/resolv.conf";  // the node's resolver; "" for none
  // The kubelet's --event-qps / --event-burst, for all the agent's nodes together.
  double event_qps = 50;
  int event_burst = 100;
};

// RunNodeAgent returns the process exit code (0 after a clean stop, 1 on failure, 2 on bad flags).
int RunNodeAgent(const NodeAgentFlags& flags);

}  // namespace tinyk8s::node
