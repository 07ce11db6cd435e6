#include "node/node_main.h"

#include <arpa/inet.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "api/labels.h"
#include "api/quantity.h"
#include "client/rest_client.h"
#include "common/logging.h"
#include "common/termination_signals.h"
#include "common/version.h"
#include "node/node_agent.h"

namespace tinyk8s::node {

namespace {
// ConfigureDns validates the DNS flags and reads the node's resolver. A resolv.conf that cannot
// be read is reported and treated as none (pods with dnsPolicy Default get 127.0.0.1).
bool ConfigureDns(const NodeAgentFlags& flags, NodeDnsSettings* dns) {
  for (const auto& ip : flags.cluster_dns) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      std::cerr << "invalid --cluster-dns " << ip << ": expected an IP address\n";
      return false;
    }
    dns->cluster_dns.push_back(ip);
  }
  dns->cluster_domain = flags.cluster_domain;
  if (flags.resolv_conf.empty()) return true;
  std::ifstream in(flags.resolv_conf);
  if (!in) {
    TK_LOG_WARN << "cannot read --resolv-conf " << flags.resolv_conf
                << ": pods with dnsPolicy Default get nameserver 127.0.0.1";
    return true;
  }
  std::ostringstream text;
  text << in.rdbuf();
  dns->has_host_resolver = true;
  dns->host = ParseResolvConf(text.str());
  return true;
}
}  // namespace

int RunNodeAgent(const NodeAgentFlags& flags) {
  log::SetComponent("nodes");
  NodeAgentOptions options;
  options.count = flags.count;
  options.prefix = flags.prefix;
  for (const auto* q : {&flags.cpu, &flags.memory}) {
    if (!api::Quantity::Parse(*q).ok()) {
      std::cerr << "invalid quantity " << *q << "\n";
      return 2;
    }
  }
  options.resources.cpu = flags.cpu;
  options.resources.memory = flags.memory;
  options.resources.pods = flags.pods;
  options.lease_renew_interval = std::chrono::milliseconds(flags.lease_renew_interval_ms);
  for (const auto& kv : flags.labels) {
    size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (eq == std::string::npos || !api::ValidateLabelKey(key).empty() ||
        !api::ValidateLabelValue(value).empty()) {
      std::cerr << "invalid label " << kv
                << ": expected key=value with a valid label key and value\n";
      return 2;
    }
    options.labels[key] = value;
  }
  options.static_pod_dir = flags.static_pod_dir;
  options.readiness_delay = std::chrono::milliseconds(flags.readiness_delay_ms);
  options.events.qps = flags.event_qps;
  options.events.burst = flags.event_burst;
  if (!ConfigureDns(flags, &options.dns)) return 2;

  TerminationSignals signals;
  // The kubelet's User-Agent: node and pod status writes are recorded under manager kubelet.
  auto client =
      client::RestClient::FromKubeconfig(flags.kubeconfig, KubernetesUserAgent("kubelet"));
  if (!client.ok()) {
    TK_LOG_ERROR << client.status().message();
    return 1;
  }
  RealClock clock;
  NodeAgent agent(**client, options, clock);
  Status started = agent.Start();
  if (!started.ok()) {
    TK_LOG_ERROR << "node agent failed to start: " << started.message();
    return 1;
  }
  TK_LOG_INFO << "running " << flags.count << " simulated nodes";
  signals.Wait();
  TK_LOG_INFO << "stopping";
  agent.Stop();
  return 0;
}

}  // namespace tinyk8s::node
